#!/usr/bin/env bash
# Throughput of `tsvm dd` into a linear LV against plain GNU dd into a file, same run, same disk:
# bs=1M count=1024 from a pre-made source file, conv=fsync on both so both include writeback.
# Sets up its own VG with tsvm pvcreate/vgcreate/lvcreate in a temporary directory; prints the
# median of RUNS runs of each and the ratio. Usage: scripts/bench-dd.sh [RUNS] [COUNT_MiB]
set -euo pipefail

RUNS=${1:-3}
COUNT=${2:-1024}
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_lab dd $((COUNT + 64)) benchvg benchpv
$TSVM lvcreate -q -L "${COUNT}M" -n lin benchvg >/dev/null
bench_source "$COUNT"

plain=() tsvm=()
for ((i = 1; i <= RUNS; i++)); do
  rm -f "$WORK/plain.img"
  plain+=("$(elapsed dd if="$SRC" of="$WORK/plain.img" bs=1M count="$COUNT" conv=fsync)")
  tsvm+=("$(elapsed $TSVM dd if="$SRC" of=/dev/benchvg/lin bs=1M count="$COUNT" conv=fsync)")
done
P=$(printf '%s\n' "${plain[@]}" | median)
T=$(printf '%s\n' "${tsvm[@]}" | median)
echo "data:       ${COUNT} MiB, bs=1M, conv=fsync, median of $RUNS runs, on $(df --output=source "$WORK" | tail -1)"
echo "plain dd:   ${P} s   (runs: ${plain[*]})"
echo "tsvm dd:    ${T} s   (runs: ${tsvm[*]})"
echo "ratio:      $(echo "$T / $P" | bc -l | xargs printf '%.2f')x (tsvm / plain)"
