#!/usr/bin/env bash
# Calls an LVM2 command tsvm does not have.
. lib/inittest
lvmconfig --type default
