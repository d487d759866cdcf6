#!/usr/bin/env bash
# Stops at a device-mapper tool.
. lib/inittest
aux prepare_vg 1
lvcreate -l1 -n $lv1 $vg
dmsetup status $vg-$lv1
