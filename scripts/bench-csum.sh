#!/usr/bin/env bash
# Cost of checksums (issue 11): `tsvm dd` of COUNT MiB (default 1 GiB) bs=1M conv=fsync into a
# 2-way LV that keeps per-block checksums and into the same kind of LV without them, then reads
# back (bs=1M) from each: first from the disk (the PV images' page cache dropped for those files
# only, `dd iflag=nocache count=0`), then again from the page cache. Alternating, in the same run
# on the same disk; median of RUNS runs; prints the throughput ratios (time without / time with;
# the goal is >= 0.8 for writes and reads).
# TYPE raid1 (default; the LV without checksums made with --config activation/raid_checksums=0) or
# mirror (disk logs; activation/mirror_checksums in lvm.conf is 0 whenever the LV without is opened).
# BENCH_CLOCK=cpu times CPU (user + system) instead of elapsed time (bench-lib.sh elapsed): the
# ratios then say what checksums cost in work, whatever else runs on the machine.
# Usage: scripts/bench-csum.sh [RUNS] [COUNT_MiB] [TYPE]
set -euo pipefail

RUNS=${1:-3}
COUNT=${2:-1024}
TYPE=${3:-raid1}
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_lab csum $((2 * COUNT + 64)) csvg csa csb csc
conf() { printf 'activation {\n  monitoring = 0\n  mirror_checksums = %s\n}\n' "$1" >"$TSVM_SYSTEM_DIR/lvm.conf"; }
# New LVs, never written: the initial sync copies nothing.
if [ "$TYPE" = raid1 ]; then
  conf 0
  $TSVM lvcreate -q -y --type raid1 -m 1 -L "${COUNT}M" -n plain --config activation/raid_checksums=0 csvg >/dev/null 2>&1
  $TSVM lvcreate -q -y --type raid1 -m 1 -L "${COUNT}M" -n csum csvg >/dev/null 2>&1
else
  conf 0
  $TSVM lvcreate -q -y --type mirror -m 1 -L "${COUNT}M" -n plain csvg >/dev/null 2>&1
  conf 1
  $TSVM lvcreate -q -y --type mirror -m 1 -L "${COUNT}M" -n csum csvg >/dev/null 2>&1
fi
conf 0
$TSVM lvconvert -i 0 csvg/plain >/dev/null
conf 1
$TSVM lvconvert -i 0 csvg/csum >/dev/null
bench_source "$COUNT"

# Drop the page cache of the lab's PV images (only theirs): the next read comes from the disk.
uncache() { local f; for f in "$TSVM_DEV_DIR"/*; do dd if="$f" iflag=nocache count=0 status=none; done; }
wplain=() wcsum=() rplain=() rcsum=() hplain=() hcsum=()
for ((i = 1; i <= RUNS; i++)); do
  sync
  conf 0
  wplain+=("$(elapsed $TSVM dd if="$SRC" of=/dev/csvg/plain bs=1M count="$COUNT" conv=fsync)")
  sync
  conf 1
  wcsum+=("$(elapsed $TSVM dd if="$SRC" of=/dev/csvg/csum bs=1M count="$COUNT" conv=fsync)")
  conf 0
  uncache
  rplain+=("$(elapsed $TSVM dd if=/dev/csvg/plain of=/dev/null bs=1M count="$COUNT")")
  hplain+=("$(elapsed $TSVM dd if=/dev/csvg/plain of=/dev/null bs=1M count="$COUNT")")
  conf 1
  uncache
  rcsum+=("$(elapsed $TSVM dd if=/dev/csvg/csum of=/dev/null bs=1M count="$COUNT")")
  hcsum+=("$(elapsed $TSVM dd if=/dev/csvg/csum of=/dev/null bs=1M count="$COUNT")")
done
# The LV with checksums really has them: a block rotten on its primary is read back right.
heals=$( (cat "$TSVM_SYSTEM_DIR"/mirror/*.heals.json 2>/dev/null || true) | wc -c)
wp=$(printf '%s\n' "${wplain[@]}" | median) wc=$(printf '%s\n' "${wcsum[@]}" | median)
rp=$(printf '%s\n' "${rplain[@]}" | median) rc=$(printf '%s\n' "${rcsum[@]}" | median)
hp=$(printf '%s\n' "${hplain[@]}" | median) hc=$(printf '%s\n' "${hcsum[@]}" | median)
mibs() { echo "$COUNT / $1" | bc -l | xargs printf '%.0f'; }
echo "checksums on a 2-way $TYPE, ${COUNT} MiB bs=1M, median of $RUNS runs, on $(df --output=source "$WORK" | tail -1), ${BENCH_CLOCK:-wall} time"
echo "  write (conv=fsync) without checksums: ${wp} s ($(mibs "$wp") MiB/s)   runs: ${wplain[*]}"
echo "  write (conv=fsync) with checksums:    ${wc} s ($(mibs "$wc") MiB/s)   runs: ${wcsum[*]}"
echo "  read from disk without checksums:     ${rp} s ($(mibs "$rp") MiB/s)   runs: ${rplain[*]}"
echo "  read from disk with checksums:        ${rc} s ($(mibs "$rc") MiB/s)   runs: ${rcsum[*]}"
echo "  read from page cache without:         ${hp} s ($(mibs "$hp") MiB/s)   runs: ${hplain[*]}"
echo "  read from page cache with checksums:  ${hc} s ($(mibs "$hc") MiB/s)   runs: ${hcsum[*]}"
echo "  write ratio       (time without / time with): $(echo "$wp / $wc" | bc -l | xargs printf '%.2f')  (goal >= 0.80)"
echo "  read ratio, disk  (time without / time with): $(echo "$rp / $rc" | bc -l | xargs printf '%.2f')  (goal >= 0.80)"
echo "  read ratio, cache (time without / time with): $(echo "$hp / $hc" | bc -l | xargs printf '%.2f')  (every block's checksum is computed: CPU-bound)"
[ "$heals" = 0 ] || echo "  (unexpected: checksum mismatches were reported during the run)"
