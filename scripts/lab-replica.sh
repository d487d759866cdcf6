#!/usr/bin/env bash
# Lab walk-through of tsvm replication (README "Replication"): two tsvm "sites" on this machine,
# each its own TSVM_SYSTEM_DIR and image files, the replica over NBD on loopback TCP.
#   site A: vg/data, replicated asynchronously to site B's dr/data over nbd://127.0.0.1:PORT/dr/data
# Steps: set up, write, cut the link, write more, watch the lag grow, restore the link, watch it
# drain, check the copy byte for byte, remove. Everything it starts is stopped at the end.
set -euo pipefail
TSVM=${TSVM:-$(cd "$(dirname "$0")/.." && pwd)/dist/tsvm}
PORT=${PORT:-10999}
LAB=$(mktemp -d /tmp/tsvm-lab-replica.XXXXXX)
A() { TSVM_SYSTEM_DIR=$LAB/siteA TSVM_DEV_DIR=$LAB/devA TSVM_NO_KERNEL_DEVICES=1 "$TSVM" "$@"; }
B() { TSVM_SYSTEM_DIR=$LAB/siteB TSVM_DEV_DIR=$LAB/devB TSVM_NO_KERNEL_DEVICES=1 "$TSVM" "$@"; }
cleanup() {
  A replica stop >/dev/null 2>&1 || true
  A nbd stop >/dev/null 2>&1 || true
  B nbd stop >/dev/null 2>&1 || true
  rm -rf "$LAB"
}
trap cleanup EXIT
step() { printf '\n### %s\n' "$*"; }

mkdir -p "$LAB/devA" "$LAB/devB"
truncate -s 256M "$LAB/devA/sda" "$LAB/devB/sdb"
head -c 8M /dev/urandom > "$LAB/payload"

step "Site B (the disaster-recovery site): a VG and an LV as big as the source, served over TCP"
B vgcreate dr /dev/sdb
B lvcreate -L 64M -n data dr
B nbd listen 127.0.0.1:$PORT

step "Site A: the source LV, with data already on it"
A vgcreate vg /dev/sda
A lvcreate -L 64M -n data vg
A dd if="$LAB/payload" of=/dev/vg/data bs=1M conv=fsync

step "Replicate vg/data to site B (async, 32 MiB journal); the first copy runs in the background"
A replica create vg/data --target nbd://127.0.0.1:$PORT/dr/data -L 32M
for _ in $(seq 100); do A lvs --noheadings -o repl_state vg/data | grep -q replicating && break; sleep 0.2; done
A lvs -a -o lv_name,lv_size,repl_state,repl_kind,repl_lag_writes,repl_lag_bytes,repl_lag_seconds,repl_target vg

step "Write: shipped at once"
A dd if="$LAB/payload" of=/dev/vg/data bs=4k count=256 seek=4096 oflag=sync
sleep 1
A replica status

step "Cut the link (site B's NBD daemon stops, connections drop): writes go on, the lag grows"
B nbd stop
A dd if="$LAB/payload" of=/dev/vg/data bs=64k count=64 seek=300 conv=fsync
sleep 1
A replica status
A lvs -o lv_name,repl_state,repl_lag_writes,repl_lag_bytes,repl_lag_seconds vg/data

step "Restore the link (activation starts site B's daemon, with its TCP listener): the shipper reconnects and resumes from the journal (no full copy)"
B vgchange -ay dr
for _ in $(seq 150); do A lvs --noheadings -o repl_lag_writes vg/data | grep -qw 0 && break; sleep 0.2; done
A replica watch --count 1

step "The copy on site B equals the source"
A dd if=/dev/vg/data of="$LAB/a.img" bs=1M 2>/dev/null
B dd if=/dev/dr/data of="$LAB/b.img" bs=1M 2>/dev/null
cmp "$LAB/a.img" "$LAB/b.img" && echo "site B's dr/data == site A's vg/data"

step "Stop replicating (the journal LV goes, both LVs stay)"
A replica remove -y vg/data
A lvs -a vg
