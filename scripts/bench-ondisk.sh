#!/usr/bin/env bash
# bench-ondisk.sh — what writing LVM2's on-disk metadata at every commit costs: this checkout's
# build against another one (BASE, e.g. a checkout from before the on-disk metadata), timed in
# alternation on the same machine at the same time, so that the load of a shared machine hits both.
#
#   BASE=/path/to/other/checkout bash scripts/bench-ondisk.sh
#
# Environment: LVS=1000, RUNS=21. Each build gets its own 100G sparse image and system dir with a
# VG of $LVS linear 4m LVs (pvcreate --metadatasize 8m as scripts/bench-metadata.sh; the LVs are
# put in one commit through the build's own store API, then one real lvcreate writes the metadata
# areas once). Then, alternately for the two builds: `lvcreate -L 4m -n x`, `lvremove -y bench/x`,
# `lvs`; medians. Needs bash >= 5, no root.
set -u
LVS=${LVS:-1000}
RUNS=${RUNS:-21}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${BASE:?set BASE to the checkout to compare with}
work=$(mktemp -d /tmp/bench-ondisk.XXXXXX)
trap 'rm -rf "$work"' EXIT
usecs() { local t0=${EPOCHREALTIME/./} t1; "$@" >/dev/null 2>&1 </dev/null; t1=${EPOCHREALTIME/./}; echo $((t1 - t0)); }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
setup() { # $1 = checkout, $2 = tag
  local dir=$work/$2
  mkdir -p "$dir/sys" "$dir/dev"
  truncate -s 100G "$dir/dev/loop0"
  TSVM_SYSTEM_DIR=$dir/sys TSVM_DEV_DIR=$dir/dev "$1/dist/tsvm" pvcreate --metadatasize 8m /dev/loop0 >/dev/null &&
    TSVM_SYSTEM_DIR=$dir/sys TSVM_DEV_DIR=$dir/dev "$1/dist/tsvm" vgcreate bench /dev/loop0 >/dev/null || exit 1
  (cd "$1" && TSVM_SYSTEM_DIR=$dir/sys node --input-type=module - "$LVS" <<'JS') || exit 1
import { hostname } from 'node:os';
import { openDb } from './dist/src/store/db.js';
import { MetadataStore } from './dist/src/store/metadata-store.js';
import { newUuid } from './dist/src/model/uuid.js';
const count = Number(process.argv[2]);
const store = new MetadataStore(openDb(process.env.TSVM_SYSTEM_DIR));
const loaded = store.loadVg('bench');
const vg = loaded.vg;
const now = Math.floor(Date.now() / 1000);
for (let i = 1; i <= count; i++) {
  vg.lvs.push({ uuid: newUuid(), name: `lv${i}`, visible: true, writable: true, alloc: 'inherit', active: false,
    creationTime: now, creationHost: hostname(), tags: [], readAhead: 'auto', flags: [],
    segments: [{ startLe: 0, extentCount: 1, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ kind: 'pv', pvUuid: vg.pvs[0].uuid, pe: i - 1 }] }] });
}
store.commitVg(loaded, vg, 'bench');
store.db.close();
JS
  TSVM_SYSTEM_DIR=$dir/sys TSVM_DEV_DIR=$dir/dev "$1/dist/tsvm" lvcreate -an -Zn -L 4m -n warm bench >/dev/null 2>&1
}
setup "$BASE" base
setup "$here" this
declare -A t
for ((i = 0; i < RUNS + 2; i++)); do
  for tag in base this; do
    co=$BASE; [ $tag = this ] && co=$here
    export TSVM_SYSTEM_DIR=$work/$tag/sys TSVM_DEV_DIR=$work/$tag/dev
    a=$(usecs "$co/dist/tsvm" lvcreate -an -Zn -L 4m -n x bench)
    b=$(usecs "$co/dist/tsvm" lvremove -y bench/x)
    c=$(usecs "$co/dist/tsvm" lvs bench)
    if ((i >= 2)); then echo "$a" >>"$work/$tag.create"; echo "$b" >>"$work/$tag.remove"; echo "$c" >>"$work/$tag.lvs"; fi
  done
done
text=$(TSVM_SYSTEM_DIR=$work/this/sys TSVM_DEV_DIR=$work/this/dev "$here/dist/tsvm" pvs --noheadings --units b -o pv_mda_free,pv_mda_size /dev/loop0)
echo "$LVS LVs, medians of $RUNS alternating runs (ms); metadata area free/size of this build: $text"
printf '%-28s %10s %10s %8s\n' command base this ratio
for c in create remove lvs; do
  b=$(median <"$work/base.$c"); h=$(median <"$work/this.$c")
  printf '%-28s %10.1f %10.1f %8.2f\n' "$c" "$(awk -v u="$b" 'BEGIN{print u/1000}')" "$(awk -v u="$h" 'BEGIN{print u/1000}')" "$(awk -v a="$h" -v b="$b" 'BEGIN{print a/b}')"
done
