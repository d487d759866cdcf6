#!/usr/bin/env bash
# Skips as LVM2's scripts do when a feature is missing.
. lib/inittest
aux have_thin 1 0 0 || skip
lvcreate -T -L1 $vg/pool
