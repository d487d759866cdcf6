#!/usr/bin/env bash
# Mirror sync benchmarks, all in one run on the same disk:
#  1. initial sync of a COUNT MiB (default 1 GiB) LV full of random data: `tsvm lvconvert --type
#     mirror -m 1` (whole command, waiting for 100%) against `dd bs=1M conv=fsync` copying the same
#     bytes between two files (goal: ratio >= 1, tsvm at least as fast);
#  2. sync of a never-written mirror of the same size (lvcreate --type mirror): bytes copied
#     (goal: far below its size);
#  3. crash: a `tsvm dd` into the synced mirror killed with SIGKILL mid-way, then the recovery:
#     bytes recopied against dirty regions x region size (goal: recopied <= dirty x region).
# Usage: scripts/bench-sync.sh [COUNT_MiB]
set -euo pipefail

COUNT=${1:-1024}
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_lab sync $((2 * COUNT + 64)) syvg sya syb syc
$TSVM lvcreate -q -L "${COUNT}M" -n data syvg /dev/sya >/dev/null
bench_source "$COUNT"
$TSVM dd if="$SRC" of=/dev/syvg/data bs=1M conv=fsync status=none

lastsync_file() { # lv -> where the last sync of it left its stats
  echo "$TSVM_SYSTEM_DIR/run/mirror-$($TSVM lvs --noheadings -o lv_uuid "syvg/$1" | tr -d ' ').lastsync.json"
}
lastsync() { # lv -> the last sync's stats ({} when no sync ran)
  cat "$(lastsync_file "$1")" 2>/dev/null || echo '{}'
}
field() { node -e "const s=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log(s['$1'] ?? 0)"; }

sync
p=$(elapsed dd if="$SRC" of="$WORK/copy" bs=1M conv=fsync)
rm -f "$WORK/copy"
sync
t=$(elapsed $TSVM lvconvert -y -i 0 --type mirror -m 1 syvg/data /dev/syb /dev/syc)
copied=$(lastsync data | field copiedBytes)
echo "1. initial sync of ${COUNT} MiB of data"
echo "   dd bs=1M conv=fsync file->file:     ${p} s"
echo "   tsvm lvconvert --type mirror -m 1:  ${t} s  (copied $copied bytes; Cpy%Sync $($TSVM lvs --noheadings -o copy_percent syvg/data | tr -d ' '))"
echo "   ratio (dd time / tsvm time): $(echo "$p / $t" | bc -l | xargs printf '%.2f')  (goal >= 1)"

t2=$(elapsed sh -c "$TSVM lvcreate -q --type mirror -m 1 -L ${COUNT}M -n fresh syvg /dev/sya /dev/syb /dev/syc && $TSVM lvconvert -i 0 syvg/fresh")
s=$(lastsync fresh)
echo "2. sync of a never-written ${COUNT} MiB mirror: ${t2} s (lvcreate + wait), regions synced $(echo "$s" | field regionsSynced), regions read $(echo "$s" | field regionsCopied), bytes copied $(echo "$s" | field copiedBytes) of $((COUNT * 1024 * 1024))"

# 3. crash mid-write: dd into the synced mirror, SIGKILL after a while, then recover.
$TSVM lvremove -q -f syvg/fresh >/dev/null
rm -f "$(lastsync_file data)"   # (a dd that ends before the kill leaves nothing to recopy)
TSVM_NO_AUTOSYNC=1 $TSVM dd if="$SRC" of=/dev/syvg/data bs=1M status=none &
pid=$!
sleep "${CRASH_AFTER:-1.0}"
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pct=$(TSVM_NO_AUTOSYNC=1 $TSVM lvs --noheadings -o copy_percent syvg/data | tr -d ' ')
regions=$(( (COUNT + 1) / 2 ))
dirty=$(echo "$regions - ($pct * $regions / 100)" | bc -l | xargs printf '%.0f')
region_bytes=$((2 * 1024 * 1024))
$TSVM lvconvert -i 0 syvg/data >/dev/null
re=$(lastsync data | field copiedBytes)
echo "3. crash (kill -9 of tsvm dd after ${CRASH_AFTER:-1.0} s): Cpy%Sync after the crash ${pct}% -> ${dirty} dirty regions"
echo "   bytes recopied by recovery: $re; dirty regions x region size: $((dirty * region_bytes))  (goal: recopied <= dirty x region)"
