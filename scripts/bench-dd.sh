#!/usr/bin/env bash
# Throughput of `tsvm dd` into a linear LV against plain GNU dd into a file, same run, same disk:
# bs=1M count=1024 from a pre-made source file, conv=fsync on both so both include writeback.
# Sets up its own VG with tsvm pvcreate/vgcreate/lvcreate in a temporary directory; prints the
# median of RUNS runs of each and the ratio. Usage: scripts/bench-dd.sh [RUNS] [COUNT_MiB]
set -euo pipefail

RUNS=${1:-3}
COUNT=${2:-1024}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# What users run: the launcher (the start-up snapshot when the build made one).
TSVM=${TSVM:-$ROOT/dist/tsvm}
[ -x "$ROOT/dist/tsvm" ] || { echo "build first: npm run build" >&2; exit 1; }

WORK=$(mktemp -d "${BENCH_DIR:-$ROOT}/.bench-dd.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TSVM_SYSTEM_DIR=$WORK/sys TSVM_DEV_DIR=$WORK/dev
mkdir -p "$TSVM_DEV_DIR"
truncate -s $((COUNT + 64))M "$TSVM_DEV_DIR/benchpv"
$TSVM pvcreate -q /dev/benchpv >/dev/null
$TSVM vgcreate -q benchvg /dev/benchpv >/dev/null
$TSVM lvcreate -q -L "${COUNT}M" -n lin benchvg >/dev/null

# Source data: random (not /dev/zero) so nothing can shortcut it; read once to warm the cache.
SRC=$WORK/src
head -c $((COUNT * 1024 * 1024)) /dev/urandom >"$SRC"
cat "$SRC" >/dev/null

elapsed() { # command... -> seconds on stdout
  local t0 t1
  t0=$(date +%s.%N)
  "$@" 2>/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f\n", m }'; }

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
