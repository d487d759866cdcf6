#!/usr/bin/env bash
# bench-metadata.sh — start-up and metadata cost of tsvm against the real LVM2, same machine, same run.
#
#   sudo bash scripts/bench-metadata.sh            # LVM2 + tsvm
#   bash scripts/bench-metadata.sh                 # tsvm only (LVM2 part skipped: needs root)
#
# Environment: LVS=1000 (LVs in the VG), RUNS=15 (timed runs per command, after 3 warm-up runs),
# TSVM="/path/to/dist/tsvm" (the tsvm command line; default: this checkout's bin, dist/tsvm, what users
# run: the start-up snapshot of the build when `npm run build` could make one, see scripts/post-build.mjs;
# TSVM="node $PWD/dist/src/main.js" times the plain build).
#
# What it does:
#  (a) LVM2: a sparse 100G image on a loop device, a private lvm.conf (LVM_SYSTEM_DIR) whose filter
#      accepts only that device, a VG "bench" of $LVS linear 4m LVs made with the real lvcreate
#      (metadata-only: --driverloaded n, -an -Zn; this kernel may have no device-mapper).
#  (b) tsvm: the same 100G image file under a private TSVM_DEV_DIR, named like the loop device so
#      both print the same PV names, and a private TSVM_SYSTEM_DIR. pvcreate, vgcreate and the
#      timed commands are the real tsvm commands; the $LVS LVs themselves are written in a single
#      metadata commit through the project's own store API (MetadataStore.commitVg, from dist/),
#      because $LVS separate lvcreate processes would take minutes. The rows are the ones lvcreate
#      writes (one striped segment of one area per LV, LVs packed from PE 0).
# Then it times, medians over $RUNS runs (bash $EPOCHREALTIME around each process, no subshells):
#  `node -e 0` (and, when NODE_EXTRA_CA_CERTS is set, `node -e 0` without it: dist/tsvm unsets it,
#  see post-build.mjs), `lvs`, `lvs -a -o +devices`, `lvcreate -L 4m -n x` / `lvremove -y bench/x`,
#  `lvrename bench lv1 x` / back; peak RSS (/usr/bin/time -v) of tsvm lvs and lvcreate; and checks
#  that tsvm's `lvs` prints what LVM2's does (attr characters 5-6, activation, masked: without
#  device-mapper LVM2 cannot know whether an LV is active).
set -u
LVS=${LVS:-1000}
RUNS=${RUNS:-15}
WARM=3
VG=bench
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TSVM=${TSVM:-$here/dist/tsvm}
read -r -a tsvm_cmd <<<"$TSVM"

[ -f "$here/dist/src/main.js" ] && [ -x "$here/dist/tsvm" ] || { echo "bench: no build; run: npm run build" >&2; exit 2; }
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; fi

work=$(mktemp -d /tmp/bench-metadata.XXXXXX)
loopdev=""
lvm2_ok=0
lvm2_why=""
if [ "$(id -u)" != 0 ]; then
  lvm2_why="not root (loop devices need root): LVM2 part skipped, run with sudo for the comparison"
elif ! command -v lvm >/dev/null; then
  lvm2_why="lvm2 is not installed (apt-get install lvm2): LVM2 part skipped"
elif ! command -v losetup >/dev/null; then
  lvm2_why="losetup missing: LVM2 part skipped"
else
  lvm2_ok=1
fi

cleanup() {
  if [ -n "$loopdev" ]; then
    lvm vgremove --driverloaded n -ff "$VG" >/dev/null 2>&1
    lvm pvremove --driverloaded n -ff -y "$loopdev" >/dev/null 2>&1
    losetup -d "$loopdev" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# timing helpers: usecs, median, ms, bench_one, bench_pair, peak_rss
. "$here/scripts/bench-metadata-lib.sh"

# ---- (a) LVM2 -----------------------------------------------------------------------------------------
truncate -s 100G "$work/disk.img"
devname=loop0
if ((lvm2_ok)); then
  export LVM_SUPPRESS_FD_WARNINGS=1
  loopdev=$(losetup -f --show "$work/disk.img") || { lvm2_ok=0; lvm2_why="losetup failed: LVM2 part skipped"; loopdev=""; }
fi
if ((lvm2_ok)); then
  devname=${loopdev#/dev/}
  mkdir -p "$work/lvm/etc" "$work/lvm/lock"
  cat >"$work/lvm/etc/lvm.conf" <<CONF
devices { filter = [ "a|^$loopdev\$|", "r|.*|" ] global_filter = [ "a|^$loopdev\$|", "r|.*|" ] obtain_device_list_from_udev = 0 use_devicesfile = 0 }
backup { backup = 0 archive = 0 }
global { locking_dir = "$work/lvm/lock" }
CONF
  export LVM_SYSTEM_DIR="$work/lvm/etc"
  lvm2_version=$(lvm version 2>/dev/null | awk '/LVM version/ { print $3 }')
  echo "LVM2 $lvm2_version: $LVS LVs on $loopdev (metadata-only, --driverloaded n) ..." >&2
  t0=$SECONDS
  # 8 MiB of metadata area: $LVS LVs of text metadata do not fit LVM2's default 1 MiB ring.
  lvm pvcreate --driverloaded n --metadatasize 8m "$loopdev" >/dev/null 2>&1 &&
    lvm vgcreate --driverloaded n "$VG" "$loopdev" >/dev/null 2>&1 || { echo "bench: LVM2 pvcreate/vgcreate failed" >&2; exit 1; }
  for ((i = 1; i <= LVS; i++)); do
    lvm lvcreate --driverloaded n -an -Zn -L 4m -n "lv$i" "$VG" >/dev/null 2>&1 </dev/null ||
      { echo "bench: LVM2 lvcreate lv$i failed" >&2; exit 1; }
  done
  echo "  ... made in $((SECONDS - t0)) s" >&2
else
  echo "bench: $lvm2_why" >&2
fi

# ---- (b) tsvm ---------------------------------------------------------------------------------------
mkdir -p "$work/tsvm/sys" "$work/tsvm/dev"
# Its own sparse image (LVM2 owns the loop device's), named like the loop device.
truncate -s 100G "$work/tsvm/dev/$devname"
export TSVM_SYSTEM_DIR="$work/tsvm/sys" TSVM_DEV_DIR="$work/tsvm/dev"
echo "tsvm: $LVS LVs in $TSVM_SYSTEM_DIR ..." >&2
"${tsvm_cmd[@]}" pvcreate --metadatasize 8m "/dev/$devname" >/dev/null && "${tsvm_cmd[@]}" vgcreate "$VG" "/dev/$devname" >/dev/null ||
  { echo "bench: tsvm pvcreate/vgcreate failed" >&2; exit 1; }
# The LVs in one commit, through the store API of this build (see the header).
(cd "$here" && node --input-type=module - "$VG" "$LVS" <<'JS') || { echo "bench: populating tsvm failed" >&2; exit 1; }
import { hostname } from 'node:os';
import { openDb } from './dist/src/store/db.js';
import { MetadataStore } from './dist/src/store/metadata-store.js';
import { newUuid } from './dist/src/model/uuid.js';
const [vgName, count] = [process.argv[2], Number(process.argv[3])];
const store = new MetadataStore(openDb(process.env.TSVM_SYSTEM_DIR));
const loaded = store.loadVg(vgName);
const vg = loaded.vg;
const pv = vg.pvs[0];
const extents = (4 * 1024 * 1024) / 512 / vg.extentSize; // 4 MiB
const now = Math.floor(Date.now() / 1000);
for (let i = 1; i <= count; i++) {
  vg.lvs.push({
    uuid: newUuid(), name: `lv${i}`, visible: true, writable: true, alloc: 'inherit', active: false,
    creationTime: now, creationHost: hostname(), tags: [], readAhead: 'auto', flags: [],
    segments: [{ startLe: 0, extentCount: extents, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ kind: 'pv', pvUuid: pv.uuid, pe: (i - 1) * extents }] }],
  });
}
store.commitVg(loaded, vg, `bench: ${count} LVs`);
store.db.close();
JS
n=$("${tsvm_cmd[@]}" lvs --noheadings -o lv_name "$VG" | wc -l)
[ "$n" = "$LVS" ] || { echo "bench: tsvm lvs lists $n LVs, expected $LVS" >&2; exit 1; }

# ---- sanity: the same report -----------------------------------------------------------------------
norm() { awk 'NR > 1 { $3 = substr($3, 1, 4) "??" substr($3, 7) } { $1 = $1; print }'; }
if ((lvm2_ok)); then
  lvm lvs --driverloaded n "$VG" 2>/dev/null | norm >"$work/lvm2.lvs"
  "${tsvm_cmd[@]}" lvs "$VG" 2>/dev/null | norm >"$work/tsvm.lvs"
  if cmp -s "$work/lvm2.lvs" "$work/tsvm.lvs"; then
    echo "check: tsvm lvs == LVM2 lvs ($(wc -l <"$work/tsvm.lvs") lines, attr chars 5-6 masked)"
  else
    echo "check: tsvm lvs DIFFERS from LVM2 lvs (first differences):"
    diff "$work/lvm2.lvs" "$work/tsvm.lvs" | head -10
  fi
  lvm lvs --driverloaded n -a -o +devices "$VG" 2>/dev/null | norm >"$work/lvm2.dev"
  "${tsvm_cmd[@]}" lvs -a -o +devices "$VG" 2>/dev/null | norm >"$work/tsvm.dev"
  if cmp -s "$work/lvm2.dev" "$work/tsvm.dev"; then
    echo "check: tsvm lvs -a -o +devices == LVM2's"
  else
    echo "check: tsvm lvs -a -o +devices DIFFERS from LVM2's (first differences):"
    diff "$work/lvm2.dev" "$work/tsvm.dev" | head -10
  fi
fi

# ---- timings ----------------------------------------------------------------------------------------
echo
echo "$LVS LVs; medians of $RUNS runs after $WARM warm-up runs; $(node --version), $(nproc) CPUs"
if [ "$TSVM" = "$here/dist/tsvm" ]; then
  if grep -q -- '--snapshot-blob' <(head -2 "$here/dist/tsvm"); then echo "tsvm: dist/tsvm (start-up snapshot)"; else echo "tsvm: dist/tsvm (plain build: no snapshot)"; fi
else
  echo "tsvm: $TSVM"
fi
printf '%-34s %10s %10s %8s\n' "command" "LVM2 ms" "tsvm ms" "ratio"
row() { # row LABEL LVM2_US TSVM_US
  local r="-"
  [ "$2" != "-" ] && r=$(awk -v a="$3" -v b="$2" 'BEGIN { printf "%.2f", a / b }')
  printf '%-34s %10s %10s %8s\n' "$1" "$([ "$2" = "-" ] && echo - || ms "$2")" "$(ms "$3")" "$r"
}
base=$(bench_one node -e 0)
printf '%-34s %10s %10s\n' "node -e 0 (baseline)" "" "$(ms "$base")"
# what tsvm's own start-up compares with (dist/tsvm unsets NODE_EXTRA_CA_CERTS)
bare=$base bare_label="node -e 0"
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  bare=$(bench_one env -u NODE_EXTRA_CA_CERTS node -e 0) bare_label="node -e 0 (no CAs)"
  printf '%-34s %10s %10s\n' "node -e 0, NODE_EXTRA_CA_CERTS unset" "" "$(ms "$bare")"
fi

lvm_lvs=- lvm_dev=- lvm_cr=- lvm_rm=- lvm_ren=- lvm_back=-
if ((lvm2_ok)); then
  lvm_lvs=$(bench_one lvm lvs --driverloaded n "$VG")
  lvm_dev=$(bench_one lvm lvs --driverloaded n -a -o +devices "$VG")
  read -r lvm_cr lvm_rm < <(bench_pair "lvm lvcreate --driverloaded n -an -Zn -L 4m -n x $VG" "lvm lvremove --driverloaded n -y $VG/x")
  read -r lvm_ren lvm_back < <(bench_pair "lvm lvrename --driverloaded n $VG lv1 x" "lvm lvrename --driverloaded n $VG x lv1")
fi
ts_lvs=$(bench_one "${tsvm_cmd[@]}" lvs "$VG")
ts_dev=$(bench_one "${tsvm_cmd[@]}" lvs -a -o +devices "$VG")
read -r ts_cr ts_rm < <(bench_pair "$TSVM lvcreate -an -Zn -L 4m -n x $VG" "$TSVM lvremove -y $VG/x")
read -r ts_ren ts_back < <(bench_pair "$TSVM lvrename $VG lv1 x" "$TSVM lvrename $VG x lv1")

row "lvs $VG" "$lvm_lvs" "$ts_lvs"
row "lvs -a -o +devices $VG" "$lvm_dev" "$ts_dev"
row "lvcreate -an -Zn -L 4m -n x $VG" "$lvm_cr" "$ts_cr"
row "lvremove -y $VG/x" "$lvm_rm" "$ts_rm"
row "lvrename $VG lv1 x" "$lvm_ren" "$ts_ren"
row "lvrename $VG x lv1" "$lvm_back" "$ts_back"
printf '%-34s %10s %10s\n' "tsvm lvs minus $bare_label" "" "$(ms $((ts_lvs - bare)))"

echo
echo "peak RSS (MiB)"
kib() { [ "$1" = "?" ] && echo "?" || awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
if ((lvm2_ok)); then
  printf '%-34s %10s\n' "LVM2 lvs" "$(kib "$(peak_rss lvm lvs --driverloaded n "$VG")")"
fi
printf '%-34s %10s\n' "node -e 0" "$(kib "$(peak_rss node -e 0)")"
printf '%-34s %10s\n' "tsvm lvs" "$(kib "$(peak_rss "${tsvm_cmd[@]}" lvs "$VG")")"
printf '%-34s %10s\n' "tsvm lvs -a -o +devices" "$(kib "$(peak_rss "${tsvm_cmd[@]}" lvs -a -o +devices "$VG")")"
printf '%-34s %10s\n' "tsvm lvcreate -L 4m" "$(kib "$(peak_rss "${tsvm_cmd[@]}" lvcreate -an -Zn -L 4m -n x "$VG")")"
printf '%-34s %10s\n' "tsvm lvremove -y" "$(kib "$(peak_rss "${tsvm_cmd[@]}" lvremove -y "$VG/x")")"

echo
echo "goals: lvs <= 1.3x LVM2; mutating command < 150 ms; peak memory < 100 MiB"
if ((lvm2_ok)); then
  awk -v a="$ts_lvs" -v b="$lvm_lvs" 'BEGIN { printf "  lvs ratio %.2f (goal 1.30): %s\n", a / b, (a / b <= 1.3 ? "met" : "NOT met") }'
else
  echo "  lvs ratio: not measured ($lvm2_why)"
fi
for v in "lvcreate:$ts_cr" "lvremove:$ts_rm" "lvrename:$ts_ren"; do
  awk -v n="${v%%:*}" -v u="${v#*:}" 'BEGIN { printf "  tsvm %s %.1f ms (goal 150): %s\n", n, u / 1000, (u < 150000 ? "met" : "NOT met") }'
done
