#!/usr/bin/env bash
# pvmove throughput: `tsvm pvmove -i 0` of a COUNT MiB linear LV (default 1 GiB, every byte written
# first, so every region is copied) from one PV image to another, against GNU dd copying the same
# bytes between the same two image files (same offsets, bs=1M, conv=notrunc,fsync), same run, same
# disk. Runs alternate direction (a -> b, then b -> a), each dd just before its pvmove. Median of
# RUNS runs; prints the ratio (dd time / pvmove time). Usage: scripts/bench-pvmove.sh [RUNS] [COUNT_MiB]
set -euo pipefail

RUNS=${1:-3}
COUNT=${2:-1024}
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_lab pvmove $((COUNT + 64)) pmvg pma pmb
$TSVM lvcreate -q -L "${COUNT}M" -n lv pmvg /dev/pma >/dev/null
bench_source "$COUNT"
$TSVM dd if="$SRC" of=/dev/pmvg/lv bs=1M count="$COUNT" conv=fsync status=none
pe_start() { $TSVM pvs --noheadings --units b --nosuffix -o pe_start "/dev/$1" | tr -d ' '; }
off_a=$(pe_start pma) off_b=$(pe_start pmb)

ref=() tsvm=()
from=pma to=pmb
for ((i = 1; i <= RUNS; i++)); do
  [ "$from" = pma ] && { skip=$off_a seek=$off_b; } || { skip=$off_b seek=$off_a; }
  sync
  # The destination's extents are free: dd writes where pvmove is about to.
  ref+=("$(elapsed dd if="$TSVM_DEV_DIR/$from" of="$TSVM_DEV_DIR/$to" bs=1M iflag=skip_bytes,count_bytes oflag=seek_bytes \
    skip="$skip" seek="$seek" count=$((COUNT * 1024 * 1024)) conv=notrunc,fsync)")
  sync
  tsvm+=("$(elapsed $TSVM pvmove -i 0 "/dev/$from" "/dev/$to")")
  [ "$($TSVM lvs --noheadings -o devices pmvg/lv | tr -d ' ')" = "/dev/$to(0)" ] || { echo "pvmove did not move pmvg/lv to /dev/$to" >&2; exit 1; }
  tmp=$from from=$to to=$tmp
done
r=$(printf '%s\n' "${ref[@]}" | median)
t=$(printf '%s\n' "${tsvm[@]}" | median)
echo "pvmove of a ${COUNT} MiB linear LV (every byte written) between two PV images, median of $RUNS"
echo "  dd of the same bytes between the images:  ${r} s  ($(echo "$COUNT / $r" | bc -l | xargs printf '%.0f') MiB/s)"
echo "  tsvm pvmove -i 0:                         ${t} s  ($(echo "$COUNT / $t" | bc -l | xargs printf '%.0f') MiB/s)"
echo "  ratio (dd time / pvmove time): $(echo "$r / $t" | bc -l | xargs printf '%.2f')"
