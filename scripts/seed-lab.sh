#!/usr/bin/env bash
# The mirroring lab of shared seed 002, verbatim, on real block devices: tsvm serves each active LV
# over NBD and makes it a kernel block device (nbdfuse + losetup), so the lab's own mkfs.ext4,
# mount, echo and cat run on it. The disks are sparse 20 GiB image files named like the lab's
# (/dev/nvme0n2 ... through TSVM_DEV_DIR); the LVM commands run through the `tsvm links` folder on
# PATH, so each line is the lab's. Paths the kernel must see (/dev/VG/LV, /opt/webapp/data, /mnt)
# stand for folders of the temporary lab and are shown as the lab writes them.
# Needs root, /dev/fuse, loop devices, nbdfuse (libnbd-bin), e2fsprogs; exits 77 (skip) without.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
why=""
[ "$(id -u)" = 0 ] || why="not root"
[ -n "$why" ] || [ -e /dev/fuse ] || why="no /dev/fuse"
[ -n "$why" ] || [ -e /dev/loop-control ] || why="no loop devices"
for t in nbdfuse losetup mkfs.ext4 mount fsfreeze; do [ -n "$why" ] || command -v "$t" >/dev/null || why="$t is not installed"; done
if [ -n "$why" ]; then
  echo "seed-lab: skipped: $why (the lab needs real block devices: root, /dev/fuse, loop devices, libnbd-bin, e2fsprogs)" >&2
  exit 77
fi

unset TSVM_NO_KERNEL_DEVICES   # the lab is about real block devices
work=$(mktemp -d "${TMPDIR:-/tmp}/tsvm-lab.XXXXXX")
export TSVM_SYSTEM_DIR="$work/system" TSVM_DEV_DIR="$work/dev"
data="$work/opt/webapp/data"   # the lab's /opt/webapp/data
mnt="$work/mnt"                # the lab's /mnt
mkdir -p "$TSVM_DEV_DIR" "$data" "$mnt"
cleanup() {
  set +e
  for m in "$mnt" "$data"; do mountpoint -q "$m" && umount "$m"; done
  "$here/dist/tsvm" nbd stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
"$here/dist/tsvm" links "$work/bin" >/dev/null
export PATH="$work/bin:$PATH"

# Show the lab's line, run it (with the lab's paths mapped to the temporary ones for the kernel).
lab() { printf '\n# %s\n' "$1"; shift; "$@" || printf '[exit %d]\n' "$?"; }
dev() { printf '%s/%s' "$TSVM_DEV_DIR" "${1#/dev/}"; }

for d in nvme0n2 nvme0n3 nvme0n4 nvme0n5; do truncate -s 20G "$TSVM_DEV_DIR/$d"; done
echo "== The lab's starting point: vg_webapp on nvme0n2 and nvme0n4, lv_data mounted on /opt/webapp/data"
pvcreate -q /dev/nvme0n2 /dev/nvme0n4
vgcreate -q vg_webapp /dev/nvme0n2 /dev/nvme0n4
lvcreate -q -L 1G -n lv_sources vg_webapp /dev/nvme0n2 >/dev/null
lvcreate -q -L 10G -n lv_scratch vg_webapp /dev/nvme0n2 >/dev/null   # the hole the lab's history left
lvcreate -q -L 1G -n lv_run vg_webapp /dev/nvme0n2 >/dev/null
lvcreate -q -l 3073 -n lv_data vg_webapp /dev/nvme0n4 >/dev/null
lvextend -q -L 20G vg_webapp/lv_data /dev/nvme0n2:3072-5118 >/dev/null
lvremove -q -y vg_webapp/lv_scratch >/dev/null
lvchange -q -an vg_webapp/lv_sources vg_webapp/lv_run
lab "mkfs.ext4 /dev/vg_webapp/lv_data" mkfs.ext4 -q "$(dev /dev/vg_webapp/lv_data)"
lab "mount /dev/vg_webapp/lv_data /opt/webapp/data" mount "$(dev /dev/vg_webapp/lv_data)" "$data"
lab "lsblk" "$here/dist/tsvm" lsblk

echo; echo "== Task 1"
lab "lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data" lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data
echo; echo "== Task 2"
lab "pvcreate /dev/nvme0n5" pvcreate /dev/nvme0n5
lab "vgextend vg_webapp /dev/nvme0n5" vgextend vg_webapp /dev/nvme0n5
echo; echo "== Task 3"
lab "lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data" lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data
echo; echo "== Task 4"
lab "pvcreate /dev/nvme0n3" pvcreate /dev/nvme0n3
lab "vgextend vg_webapp /dev/nvme0n3" vgextend vg_webapp /dev/nvme0n3
echo; echo "== Task 5 (the web application keeps writing to /opt/webapp/data meanwhile)"
( i=0; while [ ! -e "$work/stop" ]; do i=$((i + 1)); head -c 65536 /dev/urandom > "$data/upload.$((i % 50))"; sleep 0.05; done ) &
writer=$!
lab "lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data" lvconvert --type mirror -m 1 /dev/vg_webapp/lv_data
touch "$work/stop"; wait "$writer"
echo; echo "== Task 6"
lab "lvs -a -o +devices" lvs -a -o +devices
echo; echo "== Task 7"
lab 'echo "Hello, World!" > /opt/webapp/data/hello.txt' sh -c "echo 'Hello, World!' > '$data/hello.txt'"
echo; echo "== Task 8"
lab "lvconvert --splitmirrors 1 --name lv_data_backup /dev/vg_webapp/lv_data" lvconvert --splitmirrors 1 --name lv_data_backup /dev/vg_webapp/lv_data
lab "mount /dev/vg_webapp/lv_data_backup /mnt" mount "$(dev /dev/vg_webapp/lv_data_backup)" "$mnt"
lab "cat /mnt/hello.txt" cat "$mnt/hello.txt"
lab "lsblk" "$here/dist/tsvm" lsblk
echo; echo "== Task 9"
lab "umount /mnt" umount "$mnt"
lab "lvremove /dev/vg_webapp/lv_data_backup" sh -c 'echo y | lvremove /dev/vg_webapp/lv_data_backup'
lab "lvs -a -o +devices" lvs -a -o +devices

echo; echo "== Clean-up: unmount, deactivate; no loop device or FUSE mount is left"
lab "umount /opt/webapp/data" umount "$data"
lab "vgchange -an vg_webapp" vgchange -an vg_webapp
left=$(losetup -a | grep -F "$work" || true)
[ -z "$left" ] || { echo "loop devices left behind: $left" >&2; exit 1; }
