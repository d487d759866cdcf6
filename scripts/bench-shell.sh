#!/usr/bin/env bash
# bench-shell.sh — N lvcreate command lines through tsvm's lvm shell against N separate LVM2 lvcreate
# invocations, same machine, same run (issue 10: the shell must be at least 10x faster).
#
#   sudo bash scripts/bench-shell.sh          # LVM2 + tsvm
#   bash scripts/bench-shell.sh               # tsvm only (LVM2 part skipped: needs root and lvm2)
#
# Environment: N=1000 (lvcreate lines), TSVM="/path/to/dist/tsvm" (default: this checkout's build).
#
# What it does, in a temporary folder:
#  (a) LVM2: a sparse 100G image on a loop device, a private lvm.conf (LVM_SYSTEM_DIR) accepting
#      only that device, pvcreate --metadatasize 8m (N LVs of text metadata do not fit the default
#      ring), vgcreate bench; then N separate processes `lvcreate --driverloaded n -an -Zn -L 4m -n lvI
#      bench` (metadata-only: this kernel may have no device-mapper), timed as a whole. For
#      reference, the same N lines through LVM2's own `lvm` shell on a second VG (same setup).
#  (b) tsvm: its own sparse image named like the loop device, a private TSVM_SYSTEM_DIR, pvcreate,
#      vgcreate bench; then the same N lines (`lvcreate -an -Zn -L 4m -n lvI bench`) on the stdin of
#      one `tsvm lvm`, timed as a whole. Every line must have created its LV (checked with lvs).
# Prints the totals, the time per command and the ratio LVM2 separate / tsvm shell.
set -u
N=${N:-1000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TSVM=${TSVM:-$here/dist/tsvm}
read -r -a tsvm_cmd <<<"$TSVM"
[ -x "$here/dist/tsvm" ] || { echo "bench: no build; run: npm run build" >&2; exit 2; }
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; fi

work=$(mktemp -d /tmp/bench-shell.XXXXXX)
loops=()
. "$here/scripts/bench-metadata-lib.sh"
lvm2_check

cleanup() {
  lvm2_lab_remove bench bench2
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo "${EPOCHREALTIME/./}"; }
secs() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1e6 }'; }
per() { awk -v u="$1" -v n="$N" 'BEGIN { printf "%.1f", u / n / 1000 }'; }

for ((i = 1; i <= N; i++)); do echo "lvcreate -an -Zn -L 4m -n lv$i bench"; done >"$work/lines"

# ---- (a) LVM2 ---------------------------------------------------------------------------------------
lvm_sep=- lvm_shell=-
devname=loop0
if ((lvm2_ok)); then
  truncate -s 100G "$work/disk1.img" "$work/disk2.img"
  lvm2_lab "$work/lvm" "$work/disk1.img" "$work/disk2.img" || { echo "bench: losetup failed" >&2; exit 1; }
  devname=${loops[0]#/dev/}
  for l in "${loops[@]}"; do lvm pvcreate --driverloaded n --metadatasize 8m "$l" >/dev/null 2>&1 || { echo "bench: LVM2 pvcreate failed" >&2; exit 1; }; done
  lvm vgcreate --driverloaded n bench "${loops[0]}" >/dev/null 2>&1 && lvm vgcreate --driverloaded n bench2 "${loops[1]}" >/dev/null 2>&1 ||
    { echo "bench: LVM2 vgcreate failed" >&2; exit 1; }
  echo "LVM2 $(lvm version 2>/dev/null | awk '/LVM version/ { print $3 }'): $N separate lvcreate processes ..." >&2
  t0=$(now_us)
  for ((i = 1; i <= N; i++)); do
    lvcreate --driverloaded n -an -Zn -L 4m -n "lv$i" bench >/dev/null 2>&1 </dev/null || { echo "bench: LVM2 lvcreate lv$i failed" >&2; exit 1; }
  done
  lvm_sep=$(($(now_us) - t0))
  echo "LVM2: the same $N lines through its lvm shell ..." >&2
  sed -e 's/^lvcreate /lvcreate --driverloaded n /' -e 's/ bench$/ bench2/' "$work/lines" >"$work/lvm2-lines"
  t0=$(now_us)
  lvm <"$work/lvm2-lines" >/dev/null 2>&1
  lvm_shell=$(($(now_us) - t0))
  got=$(lvm lvs --driverloaded n --noheadings -o lv_name bench2 2>/dev/null | wc -l)
  [ "$got" = "$N" ] || { echo "bench: LVM2's shell made $got LVs, expected $N" >&2; lvm_shell=-; }
else
  echo "bench: $lvm2_why: LVM2 part skipped" >&2
fi

# ---- (b) tsvm ---------------------------------------------------------------------------------------
mkdir -p "$work/tsvm/sys" "$work/tsvm/dev"
truncate -s 100G "$work/tsvm/dev/$devname"
export TSVM_SYSTEM_DIR="$work/tsvm/sys" TSVM_DEV_DIR="$work/tsvm/dev"
"${tsvm_cmd[@]}" pvcreate "/dev/$devname" >/dev/null && "${tsvm_cmd[@]}" vgcreate bench "/dev/$devname" >/dev/null ||
  { echo "bench: tsvm pvcreate/vgcreate failed" >&2; exit 1; }
echo "tsvm: the $N lines through one tsvm lvm ..." >&2
t0=$(now_us)
"${tsvm_cmd[@]}" lvm <"$work/lines" >"$work/tsvm.out" 2>"$work/tsvm.err"
ts_shell=$(($(now_us) - t0))
got=$("${tsvm_cmd[@]}" lvs --noheadings -o lv_name bench | wc -l)
made=$(grep -c 'Logical volume "lv[0-9]*" created\.' "$work/tsvm.out")
if [ "$got" != "$N" ] || [ "$made" != "$N" ]; then
  echo "bench: tsvm's shell made $got LVs ($made 'created' lines), expected $N; first errors:" >&2
  grep -v 'not zeroed' "$work/tsvm.err" | head -5 >&2
  exit 1
fi

# ---- report ----------------------------------------------------------------------------------------
echo
echo "$N lvcreate lines (-an -Zn -L 4m, VG growing from 0 to $N LVs); $(node --version), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %10s %14s\n' "" "total s" "ms per command"
[ "$lvm_sep" != - ] && printf '%-44s %10s %14s\n' "LVM2, $N separate lvcreate processes" "$(secs "$lvm_sep")" "$(per "$lvm_sep")"
[ "$lvm_shell" != - ] && printf '%-44s %10s %14s\n' "LVM2, one lvm shell" "$(secs "$lvm_shell")" "$(per "$lvm_shell")"
printf '%-44s %10s %14s\n' "tsvm, one tsvm lvm shell" "$(secs "$ts_shell")" "$(per "$ts_shell")"
echo
if [ "$lvm_sep" != - ]; then
  awk -v a="$lvm_sep" -v b="$ts_shell" 'BEGIN { r = a / b; printf "tsvm shell vs LVM2 separate processes: %.1fx faster (goal 10x): %s\n", r, (r >= 10 ? "met" : "NOT met") }'
  [ "$lvm_shell" != - ] && awk -v a="$lvm_shell" -v b="$ts_shell" 'BEGIN { printf "tsvm shell vs LVM2 shell: %.2fx\n", a / b }'
else
  echo "ratio: not measured ($lvm2_why)"
fi
