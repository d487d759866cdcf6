#!/usr/bin/env bash
# Mirrored write throughput: `tsvm dd bs=1M conv=fsync` of COUNT MiB (default 1 GiB) into a 2-leg
# mirror (legs and disk log on three PV images) against plain GNU dd of the same bytes into one
# file, same run, same disk, conv=fsync on both. Median of RUNS runs; prints the ratio
# (plain time / tsvm time; the goal is >= 0.45). Usage: scripts/bench-mirror-write.sh [RUNS] [COUNT_MiB]
set -euo pipefail

RUNS=${1:-3}
COUNT=${2:-1024}
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_lab mw $((COUNT + 64)) mwvg mwa mwb mwc
# A new mirror: never written, so its initial sync copies nothing.
$TSVM lvcreate -q --type mirror -m 1 -L "${COUNT}M" -n m mwvg >/dev/null 2>&1
$TSVM lvconvert -i 0 mwvg/m >/dev/null
bench_source "$COUNT"

plain=() tsvm=()
for ((i = 1; i <= RUNS; i++)); do
  rm -f "$WORK/plain.img"
  sync
  plain+=("$(elapsed dd if="$SRC" of="$WORK/plain.img" bs=1M count="$COUNT" conv=fsync)")
  sync
  tsvm+=("$(elapsed $TSVM dd if="$SRC" of=/dev/mwvg/m bs=1M count="$COUNT" conv=fsync)")
done
rm -f "$WORK/plain.img"
p=$(printf '%s\n' "${plain[@]}" | median)
t=$(printf '%s\n' "${tsvm[@]}" | median)
pct=$($TSVM lvs --noheadings -o copy_percent mwvg/m | tr -d ' ')
echo "mirrored write, ${COUNT} MiB bs=1M conv=fsync, median of $RUNS"
echo "  plain dd to one file:     ${p} s  ($(echo "$COUNT / $p" | bc -l | xargs printf '%.0f') MiB/s)"
echo "  tsvm dd to 2-leg mirror:  ${t} s  ($(echo "$COUNT / $t" | bc -l | xargs printf '%.0f') MiB/s; Cpy%Sync after: $pct)"
echo "  ratio (plain time / tsvm time): $(echo "$p / $t" | bc -l | xargs printf '%.2f')  (goal >= 0.45)"
