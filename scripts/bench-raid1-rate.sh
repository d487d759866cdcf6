#!/usr/bin/env bash
# bench-raid1-rate.sh — does --maxrecoveryrate hold? A raid1 LV with SIZE MiB of data written
# and --maxrecoveryrate RATE (MiB/s, default 10) is resynced in full (lvchange --resync). Polling
# Cpy%Sync every 0.2 s, the script takes the rate between the first progress it sees and 100.00
# (so the background syncer's start-up is not counted), prints it and its ratio to the limit
# (goal: within ±20 %), and also the rate from activation to the end.
#
#   npm run build && bash scripts/bench-raid1-rate.sh [SIZE_MiB=160] [RATE_MiB=10]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tsvm="$here/../dist/tsvm"
size=${1:-160}
rate=${2:-10}
work=$(mktemp -d /tmp/tsvm-raid1-rate.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TSVM_DEV_DIR=$work/dev TSVM_SYSTEM_DIR=$work/sys TSVM_NO_KERNEL_DEVICES=1
mkdir -p "$TSVM_DEV_DIR"
truncate -s $((size + 64))M "$TSVM_DEV_DIR/sdb" "$TSVM_DEV_DIR/sdc"
"$tsvm" pvcreate -q /dev/sdb /dev/sdc >/dev/null
"$tsvm" vgcreate -q vg /dev/sdb /dev/sdc >/dev/null
"$tsvm" lvcreate -q --type raid1 -m 1 -L "${size}m" --maxrecoveryrate "${rate}M" -n lv vg >/dev/null
head -c $((size * 1024 * 1024)) /dev/urandom > "$work/data"
"$tsvm" dd if="$work/data" of=/dev/vg/lv bs=1M conv=fsync status=none
"$tsvm" lvconvert vg/lv >/dev/null
"$tsvm" lvchange -an vg/lv
"$tsvm" lvchange -y --resync vg/lv >/dev/null
start=$(date +%s.%N)
"$tsvm" lvchange -ay vg/lv
first="" p0=0
while :; do
  p=$("$tsvm" lvs --noheadings -o copy_percent vg/lv | tr -d ' ')
  now=$(date +%s.%N)
  [ "$p" = "100.00" ] && break
  if [ -z "$first" ] && awk -v p="$p" 'BEGIN { exit !(p > 0) }'; then first=$now p0=$p; fi
  sleep 0.2
done
end=$now
awk -v s="$start" -v f="${first:-$start}" -v p0="$p0" -v e="$end" -v n="$size" -v r="$rate" 'BEGIN {
  t = e - f; got = n * (100 - p0) / 100 / t; all = n / (e - s);
  printf "resync of %d MiB with --maxrecoveryrate %dM: %.2f MiB/s from %.2f%% to 100%% in %.2f s = %.2fx the limit (goal 0.80-1.20); from activation: %.2f s, %.2f MiB/s\n", n, r, got, p0, t, got / r, e - s, all }'
