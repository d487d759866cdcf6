#!/usr/bin/env bash
# bench-scale.sh — tsvm against the real LVM2 on a 16 TiB VG (four sparse 4 TiB images) holding
# 1,000 and then 10,000 LVs: time of each command at both sizes and how it grows, peak memory.
#
#   sudo bash scripts/bench-scale.sh          # LVM2 + tsvm
#   bash scripts/bench-scale.sh               # tsvm only (LVM2 part skipped: needs root and lvm2)
#
# Environment: SIZES="1000 10000" (LV counts), RUNS=5 (timed runs per command after one warm-up),
# BENCH_CLOCK=cpu (CPU time, user + system, instead of elapsed time: for a machine that is busy),
# TSVM="/path/to/dist/tsvm" (default: this checkout's build, what users run).
#
# For each size, in a temporary folder:
#  (a) LVM2: four sparse 4 TiB images on loop devices, a private lvm.conf accepting only them,
#      pvcreate --metadatasize 64m (10,000 LVs are about 4 MB of metadata text), and the VG "bench"
#      of N linear 1 GiB LVs packed across the PVs, written with vgcfgrestore from a metadata file
#      (scripts/bench-vg.mjs lvm2): N separate lvcreate runs would take most of an hour.
#      Metadata-only (--driverloaded n, lvcreate -an -Zn): this kernel may have no device-mapper.
#  (b) tsvm: its own four sparse 4 TiB images named like the loop devices, a private
#      TSVM_SYSTEM_DIR, pvcreate, vgcreate bench, and the same N LVs in one commit through the
#      store API (scripts/bench-vg.mjs tsvm).
# Then: `lvs` is checked to print the same in both (attr characters 5-6 masked), and each command
# is timed (median of $RUNS, bash $EPOCHREALTIME around each process), with peak RSS
# (/usr/bin/time -v); for tsvm also the first `vgcfgrestore --list` after 20 more commands (one
# run: it writes the archive files of all the versions so far). The last table is the growth from
# the first size to the last.
set -u
SIZES=${SIZES:-1000 10000}
RUNS=${RUNS:-5}
EXTENTS=256 # 1 GiB LVs of 4 MiB extents
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TSVM=${TSVM:-$here/dist/tsvm}
read -r -a tsvm_cmd <<<"$TSVM"
[ -x "$here/dist/tsvm" ] || { echo "bench: no build; run: npm run build" >&2; exit 2; }
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; fi

work=$(mktemp -d /tmp/bench-scale.XXXXXX)
loops=()
WARM=1
. "$here/scripts/bench-metadata-lib.sh"
lvm2_check

cleanup() {
  lvm2_lab_remove bench
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

msd() { [ "$1" = - ] && echo - || ms "$1"; }
mib() { [ "$1" = - ] || [ "$1" = "?" ] && echo "$1" || awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# ---- devices -----------------------------------------------------------------------------------------
names=()
if ((lvm2_ok)); then
  for d in 0 1 2 3; do truncate -s 4T "$work/lvm2-$d.img"; done
  lvm2_lab "$work/lvm" "$work"/lvm2-{0,1,2,3}.img || { echo "bench: losetup failed" >&2; exit 1; }
  for l in "${loops[@]}"; do names+=("${l#/dev/}"); done
  lvm pvcreate --driverloaded n --metadatasize 64m "${loops[@]}" >/dev/null 2>&1 || { echo "bench: LVM2 pvcreate failed" >&2; exit 1; }
else
  names=(loop0 loop1 loop2 loop3)
  echo "bench: $lvm2_why: LVM2 part skipped" >&2
fi

declare -A T # T[size,who,what] = microseconds or KiB
labels=("lvs" "lvs -a -o +devices" "vgdisplay -v" "lvs bench/lv1" "lvcreate -L 4m" "lvremove -y" "vgcfgrestore --list, first" "peak RSS lvs (MiB)"
  "peak RSS lvs -a -o +devices (MiB)" "peak RSS vgdisplay -v (MiB)" "peak RSS lvcreate (MiB)" "peak RSS vgcfgrestore --list (MiB)")
keys=(lvs dev vgd one cr rm list rss_lvs rss_dev rss_vgd rss_cr rss_list)

measure() { # measure SIZE WHO CMD...  (CMD: the command prefix, e.g. "lvm" or the tsvm launcher)
  local n=$1 who=$2
  shift 2
  local -a c=("$@") x=()
  [ "$who" = lvm2 ] && x=(--driverloaded n)
  T[$n,$who,lvs]=$(bench_one "${c[@]}" lvs "${x[@]}" bench)
  T[$n,$who,dev]=$(bench_one "${c[@]}" lvs "${x[@]}" -a -o +devices bench)
  T[$n,$who,vgd]=$(bench_one "${c[@]}" vgdisplay "${x[@]}" -v bench)
  T[$n,$who,one]=$(bench_one "${c[@]}" lvs "${x[@]}" bench/lv1)
  read -r T[$n,$who,cr] T[$n,$who,rm] < <(bench_pair "${c[*]} lvcreate ${x[*]} -an -Zn -L 4m -n x bench" "${c[*]} lvremove ${x[*]} -y bench/x")
  T[$n,$who,rss_lvs]=$(peak_rss "${c[@]}" lvs "${x[@]}" bench)
  T[$n,$who,rss_dev]=$(peak_rss "${c[@]}" lvs "${x[@]}" -a -o +devices bench)
  T[$n,$who,rss_vgd]=$(peak_rss "${c[@]}" vgdisplay "${x[@]}" -v bench)
  T[$n,$who,rss_cr]=$(peak_rss "${c[@]}" lvcreate "${x[@]}" -an -Zn -L 4m -n x bench)
  "${c[@]}" lvremove "${x[@]}" -y bench/x >/dev/null 2>&1
  if [ "$who" = tsvm ]; then
    # The first `vgcfgrestore --list` after 20 more commands: tsvm keeps every version in its
    # store and writes the archive files of those that have none when they are listed (LVM2 writes
    # one at each command; this lab's lvm.conf has archive = 0, so there is no LVM2 figure).
    for ((i = 0; i < 10; i++)); do
      "${c[@]}" lvcreate -an -Zn -L 4m -n x bench >/dev/null 2>&1
      "${c[@]}" lvremove -y bench/x >/dev/null 2>&1
    done
    rm -rf "$TSVM_SYSTEM_DIR/archive"
    T[$n,$who,list]=$(usecs "${c[@]}" vgcfgrestore --list bench)
    T[$n,$who,files]=$(find "$TSVM_SYSTEM_DIR/archive" -name 'bench_*.vg' | wc -l)
    rm -rf "$TSVM_SYSTEM_DIR/archive"
    T[$n,$who,rss_list]=$(peak_rss "${c[@]}" vgcfgrestore --list bench)
  fi
}

for n in $SIZES; do
  echo "== $n LVs" >&2
  if ((lvm2_ok)); then
    lvm vgremove --driverloaded n -ff bench >/dev/null 2>&1
    pvspecs=()
    for l in "${loops[@]}"; do
      read -r uuid dsize pestart < <(lvm pvs --driverloaded n --noheadings --units s --nosuffix -o pv_uuid,dev_size,pe_start "$l" 2>/dev/null)
      pvspecs+=("$l:$uuid:$dsize:$pestart:$(((dsize - pestart) / 8192))")
    done
    node "$here/scripts/bench-vg.mjs" lvm2 bench "$n" "$EXTENTS" 8192 "${pvspecs[@]}" >"$work/bench.vg" &&
      lvm vgcfgrestore --driverloaded n -f "$work/bench.vg" bench >/dev/null 2>&1 || { echo "bench: LVM2 vgcfgrestore failed" >&2; exit 1; }
    got=$(lvm lvs --driverloaded n --noheadings -o lv_name bench 2>/dev/null | wc -l)
    [ "$got" = "$n" ] || { echo "bench: LVM2 VG has $got LVs, expected $n" >&2; exit 1; }
    echo "   LVM2 ..." >&2
    measure "$n" lvm2 lvm
  fi
  rm -rf "$work/tsvm"
  mkdir -p "$work/tsvm/sys" "$work/tsvm/dev"
  export TSVM_SYSTEM_DIR="$work/tsvm/sys" TSVM_DEV_DIR="$work/tsvm/dev"
  devs=()
  for d in "${names[@]}"; do truncate -s 4T "$TSVM_DEV_DIR/$d"; devs+=("/dev/$d"); done
  "${tsvm_cmd[@]}" pvcreate --metadatasize 64m "${devs[@]}" >/dev/null && "${tsvm_cmd[@]}" vgcreate bench "${devs[@]}" >/dev/null &&
    node "$here/scripts/bench-vg.mjs" tsvm bench "$n" "$EXTENTS" || { echo "bench: tsvm VG failed" >&2; exit 1; }
  if ((lvm2_ok)); then
    norm() { awk 'NR > 1 { $3 = substr($3, 1, 4) "??" substr($3, 7) } { $1 = $1; print }'; }
    lvm lvs --driverloaded n bench 2>/dev/null | norm >"$work/lvm2.lvs"
    "${tsvm_cmd[@]}" lvs bench 2>/dev/null | norm >"$work/tsvm.lvs"
    if cmp -s "$work/lvm2.lvs" "$work/tsvm.lvs"; then echo "check ($n LVs): tsvm lvs == LVM2 lvs" >&2
    else echo "check ($n LVs): tsvm lvs DIFFERS from LVM2's:" >&2; diff "$work/lvm2.lvs" "$work/tsvm.lvs" | head -5 >&2; fi
  fi
  echo "   tsvm ..." >&2
  measure "$n" tsvm "${tsvm_cmd[@]}"
done

# ---- report ----------------------------------------------------------------------------------------------
echo
echo "16 TiB VG (4 x 4 TiB sparse images), linear 1 GiB LVs; medians of $RUNS runs (ms of ${BENCH_CLOCK:-wall} time), peak RSS in MiB;"
echo "$(node --version), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
hdr="$(printf '%-34s' command)"
for n in $SIZES; do hdr+=$(printf ' %10s %10s %6s' "LVM2@$n" "tsvm@$n" ratio); done
echo "$hdr"
for i in "${!keys[@]}"; do
  k=${keys[$i]}
  line=$(printf '%-34s' "${labels[$i]}")
  for n in $SIZES; do
    a=${T[$n,lvm2,$k]:--} b=${T[$n,tsvm,$k]:--}
    if [[ $k == rss_* ]]; then fa=$(mib "$a") fb=$(mib "$b"); else fa=$(msd "$a") fb=$(msd "$b"); fi
    r=-
    [ "$a" != - ] && [ "$b" != - ] && [ "$a" != "?" ] && r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
    line+=$(printf ' %10s %10s %6s' "$fa" "$fb" "$r")
  done
  echo "$line"
done
for n in $SIZES; do
  [ -n "${T[$n,tsvm,files]:-}" ] && echo "vgcfgrestore --list, first, at $n LVs: wrote the archive files of ${T[$n,tsvm,files]} versions"
done
set -- $SIZES
if [ $# -ge 2 ]; then
  first=$1 last=${!#}
  echo
  echo "growth from $first to $last LVs (x$((last / first)) LVs): time or memory at $last / at $first"
  printf '%-34s %8s %8s\n' command LVM2 tsvm
  for i in "${!keys[@]}"; do
    k=${keys[$i]}
    g() { local a=${T[$first,$1,$k]:--} b=${T[$last,$1,$k]:--}; [ "$a" = - ] || [ "$b" = - ] || [ "$a" = "?" ] && echo - || awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }'; }
    printf '%-34s %8s %8s\n' "${labels[$i]}" "$(g lvm2)" "$(g tsvm)"
  done
fi
