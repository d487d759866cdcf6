#!/usr/bin/env bash
# Stops at a check that does not hold.
. lib/inittest
aux prepare_vg 1
lvcreate -l1 -n $lv1 $vg
check lv_field $vg/$lv1 lv_size "2.00m"
echo never here
