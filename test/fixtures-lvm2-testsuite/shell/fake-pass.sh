#!/usr/bin/env bash
# tsvm's own script in the style of LVM2's test/shell (not LVM2's): everything here must pass.
. lib/inittest

aux prepare_vg 3
lvcreate -l2 -n $lv1 $vg "$dev1"
check lv_field $vg/$lv1 lv_size "1.00m"
check lv_on $vg $lv1 "$dev1"
check linear $vg $lv1
not lvcreate -l1 -n $lv1 $vg
invalid lvcreate --nosuchoption $vg
fail lvcreate -l1000 -n $lv2 $vg
test "$(get lv_field $vg/$lv1 lv_name)" = "$lv1"

lvcreate -aey --type mirror -m1 -l2 -n $lv2 $vg
aux wait_for_sync $vg $lv2
check mirror $vg $lv2
check mirror_legs $vg $lv2 2

aux disable_dev "$dev3"
check vg_attr_bit partial $vg "p"
aux enable_dev "$dev3"
check vg_attr_bit partial $vg "-"

dd if=/dev/urandom of=data bs=512k count=2 status=none
dd if=data of="$DM_DEV_DIR/$vg/$lv1" bs=512k status=none
dd if="$DM_DEV_DIR/$vg/$lv1" of=back bs=512k status=none
cmp data back
vgremove -ff $vg
