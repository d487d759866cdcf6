#!/usr/bin/env bash
# Lab walk-through of tsvm replication failover and failback (README "Replication: failover and
# back"): two tsvm "sites" on this machine, each its own TSVM_SYSTEM_DIR and image files, talking NBD
# over loopback TCP only.
#   site A (production): vg/data, replicated asynchronously to site B's dr/data
#   site B (disaster recovery): dr/data, served on 127.0.0.1:$PORT_B; site A serves on $PORT_A
# Steps: set up, write, cut the link, write more and watch the lag, fail over (promote B), write on
# B, the link comes back (A finds itself split), demote A, fail back (only the regions written on
# either side since the split are copied), check both LVs byte for byte, then the same the other way
# round (a planned switch back to A). Everything it starts is stopped at the end.
set -euo pipefail
TSVM=${TSVM:-$(cd "$(dirname "$0")/.." && pwd)/dist/tsvm}
PORT_A=${PORT_A:-10998}
PORT_B=${PORT_B:-10999}
LAB=$(mktemp -d /tmp/tsvm-lab-failover.XXXXXX)
A() { TSVM_SYSTEM_DIR=$LAB/siteA TSVM_DEV_DIR=$LAB/devA TSVM_NO_KERNEL_DEVICES=1 "$TSVM" "$@"; }
B() { TSVM_SYSTEM_DIR=$LAB/siteB TSVM_DEV_DIR=$LAB/devB TSVM_NO_KERNEL_DEVICES=1 "$TSVM" "$@"; }
cleanup() {
  for s in A B; do
    $s replica stop >/dev/null 2>&1 || true
    $s nbd stop >/dev/null 2>&1 || true
  done
  rm -rf "$LAB"
}
trap cleanup EXIT
step() { printf '\n### %s\n' "$*"; }
# Poll (up to 30 s) until `lvs -o FIELD` of an LV on a site matches.
wait_field() {
  local site=$1 lv=$2 field=$3 want=$4
  for _ in $(seq 150); do
    $site lvs --noheadings -o "$field" "$lv" | grep -qw -- "$want" && return 0
    sleep 0.2
  done
  echo "timed out waiting for $field=$want on $lv" >&2
  return 1
}
same() {
  A dd if=/dev/vg/data of="$LAB/a.img" bs=1M 2>/dev/null
  B dd if=/dev/dr/data of="$LAB/b.img" bs=1M 2>/dev/null
  cmp "$LAB/a.img" "$LAB/b.img" && echo "site A's vg/data == site B's dr/data ($(sha256sum < "$LAB/a.img" | cut -c1-16))"
}

mkdir -p "$LAB/devA" "$LAB/devB"
truncate -s 256M "$LAB/devA/sda" "$LAB/devB/sdb"
head -c 16M /dev/urandom > "$LAB/payload"

step "Site B: a VG and an LV as big as the source, served on 127.0.0.1:$PORT_B"
B vgcreate dr /dev/sdb
B lvcreate -L 64M -n data dr
B nbd listen 127.0.0.1:$PORT_B

step "Site A: the source LV with data on it, served on 127.0.0.1:$PORT_A (for the failback later)"
A vgcreate vg /dev/sda
A lvcreate -L 64M -n data vg
A dd if="$LAB/payload" of=/dev/vg/data bs=1M conv=fsync
A nbd listen 127.0.0.1:$PORT_A

step "Replicate vg/data to site B (async, 32 MiB journal) and wait for the first copy"
A replica create vg/data --target nbd://127.0.0.1:$PORT_B/dr/data -L 32M
wait_field A vg/data repl_state replicating
A dd if="$LAB/payload" of=/dev/vg/data bs=64k count=16 seek=100 oflag=sync
wait_field A vg/data repl_lag_writes 0
A lvs -o lv_name,repl_role,repl_state,repl_lag_writes,repl_target vg/data

step "Cut the link (site B's daemon stops: its connections drop); site A writes on, the lag grows"
B nbd stop
A dd if="$LAB/payload" of=/dev/vg/data bs=64k count=24 seek=400 conv=fsync
sleep 1
A replica watch --count 1

step "Fail over: site A is lost; site B promotes its replica (writes tracked by region from now on)"
B replica promote dr/data --target nbd://127.0.0.1:$PORT_A/vg/data
B lvs -a -o lv_name,lv_size,repl_role,repl_state,repl_split dr
B dd if="$LAB/payload" of=/dev/dr/data bs=64k count=8 seek=404 skip=50 conv=fsync
B dd if="$LAB/payload" of=/dev/dr/data bs=64k count=16 seek=800 skip=60 conv=fsync

step "Site B serves again (activation restarts its daemon and listener); site A's shipper finds dr/data promoted and splits"
B vgchange -ay dr
wait_field A vg/data repl_state split
A replica status

step "Site A gives up the source role: vg/data becomes site B's replica"
A replica demote -y vg/data

step "Fail back from site B: only the regions either side wrote since the split are copied"
B replica failback dr/data
wait_field B dr/data repl_state replicating
B lvs -o lv_name,repl_role,repl_state,repl_recopied_regions,repl_recopied_bytes,repl_target dr/data
same

step "And back to site A, planned: promote A (--force: site B's shipper is connected), B demotes, A fails back"
A replica promote --force vg/data
A dd if="$LAB/payload" of=/dev/vg/data bs=64k count=8 seek=10 skip=90 conv=fsync
wait_field B dr/data repl_state split
B replica demote -y dr/data
A replica failback vg/data
wait_field A vg/data repl_state replicating
A replica status
same

step "Stop replicating (journal LVs and maps go, both LVs stay)"
A replica remove -y vg/data
B replica remove -y dr/data
A lvs -a vg
