#!/usr/bin/env bash
# NBD serving against nbdkit, in the same run on the same disk:
#   1. nbdcopy of SIZE MiB (default 1024) into and out of a linear LV served by tsvm, against
#      nbdkit's file plugin serving an image file of the same size: the ratio of throughputs
#      (goal >= 0.8); then into a 2-way mirror LV against the same nbdkit (goal >= 0.45).
#   2. As root with /dev/fuse and loop devices: fio 4 KiB random writes with an fsync every 32 on
#      ext4 over the LV's kernel block device, against ext4 over nbdkit's export attached the same
#      way (nbdfuse + losetup): the ratio of IOPS.
# Usage: bash scripts/bench-nbd.sh [RUNS] [SIZE_MiB]   (medians of RUNS, default 3)
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
runs=${1:-3}
size=${2:-1024}
for t in nbdkit nbdcopy; do command -v $t >/dev/null || { echo "needs $t (apt-get install nbdkit libnbd-bin)" >&2; exit 1; }; done

bench_lab nbd $((size * 3 + 64)) vg sdb sdc sdd
bench_source "$size"
$TSVM lvcreate -q -L "${size}M" -n lin vg /dev/sdb >/dev/null
$TSVM lvcreate -q --type mirror -m 1 --nosync -L "${size}M" -n mir vg /dev/sdc /dev/sdd /dev/sdb >/dev/null 2>&1
sock=$TSVM_SYSTEM_DIR/run/nbd/vg.sock
truncate -s "${size}M" "$WORK/nbdkit.img"
nbdkit --exit-with-parent -U "$WORK/nbdkit.sock" file "$WORK/nbdkit.img" &
kit="nbd+unix:///?socket=$WORK/nbdkit.sock"
for i in $(seq 50); do [ -S "$WORK/nbdkit.sock" ] && break; sleep 0.1; done

ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
measure() { # NAME TSVM_CMD... -- NBDKIT_CMD...
  local name=$1; shift
  local a=() b=() t k
  while [ "$1" != -- ]; do a+=("$1"); shift; done; shift; b=("$@")
  : >"$WORK/t.tsvm"; : >"$WORK/t.kit"
  for _ in $(seq "$runs"); do
    elapsed "${b[@]}" >>"$WORK/t.kit"
    elapsed "${a[@]}" >>"$WORK/t.tsvm"
  done
  t=$(median <"$WORK/t.tsvm"); k=$(median <"$WORK/t.kit")
  printf '%-34s tsvm %7.3f s  nbdkit %7.3f s  throughput ratio %s\n' "$name" "$t" "$k" "$(ratio "$k" "$t")"
}
echo "nbdcopy of $size MiB, medians of $runs runs (tsvm vs nbdkit file on the same disk)"
measure "write, linear LV (goal >= 0.8)" nbdcopy "$SRC" "nbd+unix:///vg/lin?socket=$sock" -- nbdcopy "$SRC" "$kit"
measure "read, linear LV (goal >= 0.8)" nbdcopy "nbd+unix:///vg/lin?socket=$sock" "$WORK/out" -- nbdcopy "$kit" "$WORK/out"
measure "write, 2-way mirror LV (goal >= 0.45)" nbdcopy "$SRC" "nbd+unix:///vg/mir?socket=$sock" -- nbdcopy "$SRC" "$kit"
cmp "$SRC" "$WORK/out" || { echo "read back differs" >&2; exit 1; }

if [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ] || ! command -v fio >/dev/null || ! command -v nbdfuse >/dev/null; then
  echo "fio on ext4: skipped (needs root, /dev/fuse, fio, nbdfuse)"
  exit 0
fi
# Kernel devices for both: the tsvm LV through activation, nbdkit's through the same tools.
$TSVM vgchange -q -an vg >/dev/null
BENCH_KERNEL_DEVICES=1 TSVM_NO_KERNEL_DEVICES= $TSVM lvchange -q -ay vg/lin >/dev/null
tdev=$(readlink -f "$TSVM_DEV_DIR/vg/lin")
mkdir -p "$WORK/fk" "$WORK/m1" "$WORK/m2"
nbdfuse "$WORK/fk/kit" "$kit" & fpid=$!
for i in $(seq 100); do [ -e "$WORK/fk/kit" ] && break; sleep 0.1; done
kdev=$(losetup -f --show "$WORK/fk/kit")
cleanup_fio() {
  set +e
  umount "$WORK/m1" "$WORK/m2" 2>/dev/null
  losetup -d "$kdev" 2>/dev/null
  fusermount3 -u "$WORK/fk" 2>/dev/null || umount "$WORK/fk" 2>/dev/null
  kill $fpid 2>/dev/null
  $TSVM nbd stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup_fio EXIT
mkfs.ext4 -q "$tdev"; mkfs.ext4 -q "$kdev"
mount "$tdev" "$WORK/m1"; mount "$kdev" "$WORK/m2"
fiorun() { fio --name=r --directory="$1" --rw=randwrite --bs=4k --size=128m --fsync=32 --runtime=20 --time_based \
  --ioengine=psync --output-format=terse --terse-version=3 2>/dev/null | awk -F';' '{ print $49 }'; }
ti=$(fiorun "$WORK/m1"); ki=$(fiorun "$WORK/m2")
printf '%-34s tsvm %7s IOPS  nbdkit %7s IOPS  ratio %s\n' "fio 4k randwrite, fsync every 32" "$ti" "$ki" "$(ratio "$ti" "$ki")"
