#!/usr/bin/env bash
# The mirroring lab (shared seed 002) end to end on sparse 20 GiB image files in a temporary
# folder: the disks are named like the lab's (/dev/nvme0n2 ... via TSVM_DEV_DIR), every command is
# the lab's LVM command run through tsvm, and the data really moves between the image files.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tsvm-demo.XXXXXX")
trap '"$here/dist/tsvm" nbd stop >/dev/null 2>&1; rm -rf "$work"' EXIT
export TSVM_SYSTEM_DIR="$work/system" TSVM_DEV_DIR="$work/dev"
mkdir -p "$TSVM_DEV_DIR"
tsvm() { "$here/dist/tsvm" "$@"; }
run() { printf '\n$ %s\n' "$*"; "$@" || printf '[exit %d]\n' "$?"; }

for d in nvme0n2 nvme0n3 nvme0n4 nvme0n5; do truncate -s 20G "$TSVM_DEV_DIR/$d"; done
echo "# Four sparse 20 GiB disks in $TSVM_DEV_DIR; the lab's starting point: vg_webapp on nvme0n2 and nvme0n4"
run tsvm pvcreate /dev/nvme0n2 /dev/nvme0n4
run tsvm vgcreate vg_webapp /dev/nvme0n2 /dev/nvme0n4
run tsvm lvcreate -L 1G -n lv_sources vg_webapp /dev/nvme0n2
# A scratch LV recreates the hole the lab's history left on nvme0n2, so lv_data lands as in the lab.
tsvm lvcreate -q -L 10G -n lv_scratch vg_webapp /dev/nvme0n2 >/dev/null
run tsvm lvcreate -L 1G -n lv_run vg_webapp /dev/nvme0n2
run tsvm lvcreate -l 3073 -n lv_data vg_webapp /dev/nvme0n4
run tsvm lvextend -L 20G vg_webapp/lv_data /dev/nvme0n2:3072-5118
tsvm lvremove -q -y vg_webapp/lv_scratch >/dev/null
run tsvm lvs -a -o +devices

echo; echo "# Task 1: mirror lv_data (not enough space on two disks)"
run tsvm lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data
echo; echo "# Task 2: add nvme0n5; a copy kept off the original's disks still does not fit"
run tsvm pvcreate /dev/nvme0n5
run tsvm vgextend vg_webapp /dev/nvme0n5
run tsvm lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data /dev/nvme0n5
echo; echo "# Task 4: add nvme0n3"
run tsvm pvcreate /dev/nvme0n3
run tsvm vgextend vg_webapp /dev/nvme0n3
echo; echo "# First some data in lv_data, so the conversion has something to copy"
echo "Hello, World!" > "$work/hello.txt"
run tsvm dd if="$work/hello.txt" of=/dev/vg_webapp/lv_data conv=notrunc,fsync status=none
echo; echo "# Task 5: the mirror, on the new disks"
run tsvm lvconvert --type mirror -m 1 -i 1 /dev/vg_webapp/lv_data /dev/nvme0n3 /dev/nvme0n5
echo; echo "# Task 6"
run tsvm lvs -a -o +devices
echo; echo "# Task 7: write through the mirror (both legs get it)"
echo "Written while mirrored." > "$work/more.txt"
run tsvm dd if="$work/more.txt" of=/dev/vg_webapp/lv_data bs=512 seek=8 conv=notrunc,fsync status=none
echo; echo "# Task 8: split off a copy and read the data back from it"
run tsvm lvconvert --splitmirrors 1 --name lv_data_backup /dev/vg_webapp/lv_data
run tsvm lvs -a -o +devices
printf '\n$ tsvm dd if=/dev/vg_webapp/lv_data_backup bs=14 count=1 status=none\n'
tsvm dd if=/dev/vg_webapp/lv_data_backup bs=14 count=1 status=none
printf '\n$ tsvm dd if=/dev/vg_webapp/lv_data_backup bs=512 skip=8 count=1 status=none | tr -d "\\\\0"\n'
tsvm dd if=/dev/vg_webapp/lv_data_backup bs=512 skip=8 count=1 status=none | tr -d '\0'
echo; echo "# Task 9"
run tsvm lvremove -y /dev/vg_webapp/lv_data_backup
run tsvm lvs -a -o +devices
echo; echo "# The images stay sparse: disk usage of the four 20 GiB files"
run du -h --apparent-size "$TSVM_DEV_DIR"/nvme0n2
run du -sh "$TSVM_DEV_DIR"
