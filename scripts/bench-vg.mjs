// Large VGs for the benchmarks, without one lvcreate per LV (10,000 of them would take most of an
// hour with LVM2): N linear LVs "lv1".."lvN" of E extents each, packed from PE 0 across the VG's
// PVs in order, as successive lvcreate -l E calls would place them.
//
//   node scripts/bench-vg.mjs tsvm VG N E
//       writes them into tsvm's VG VG (which exists, with its PVs) in one metadata commit through
//       this build's store API (dist/), in $TSVM_SYSTEM_DIR
//   node scripts/bench-vg.mjs lvm2 VG N E EXTENT_SECTORS PV...
//       prints LVM2 metadata text for `vgcfgrestore -f FILE VG`; each PV is
//       DEVICE:UUID:DEV_SIZE_SECTORS:PE_START_SECTORS:PE_COUNT (what `pvs -o` reports)
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

const [mode, vgName, countArg, extentsArg, ...rest] = process.argv.slice(2);
const count = Number(countArg);
const extents = Number(extentsArg);
if (!vgName || !(count > 0) || !(extents > 0) || (mode !== 'tsvm' && mode !== 'lvm2')) {
  console.error('usage: bench-vg.mjs tsvm VG N E | bench-vg.mjs lvm2 VG N E EXTENT_SECTORS PV...');
  process.exit(2);
}

/** Where LV i (0-based) goes: [pv index, first PE], filling PVs in order. */
function place(pvCounts) {
  const out = [];
  let pv = 0;
  let pe = 0;
  for (let i = 0; i < count; i++) {
    while (pv < pvCounts.length && pe + extents > pvCounts[pv]) {
      pv++;
      pe = 0;
    }
    if (pv >= pvCounts.length) throw new Error(`no room for ${count} LVs of ${extents} extents`);
    out.push([pv, pe]);
    pe += extents;
  }
  return out;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function lvmUuid() {
  const b = randomBytes(32);
  const s = [...b].map((x) => ID_CHARS[x % ID_CHARS.length]).join('');
  return [s.slice(0, 6), s.slice(6, 10), s.slice(10, 14), s.slice(14, 18), s.slice(18, 22), s.slice(22, 26), s.slice(26, 32)].join('-');
}

if (mode === 'tsvm') {
  const here = new URL('../dist/src/', import.meta.url);
  const { openDb } = await import(new URL('store/db.js', here));
  const { MetadataStore } = await import(new URL('store/metadata-store.js', here));
  const { newUuid } = await import(new URL('model/uuid.js', here));
  const store = new MetadataStore(openDb(process.env.TSVM_SYSTEM_DIR));
  const loaded = store.loadVg(vgName);
  if (!loaded) throw new Error(`no VG ${vgName}`);
  const vg = loaded.vg;
  const now = Math.floor(Date.now() / 1000);
  place(vg.pvs.map((p) => p.peCount)).forEach(([pv, pe], i) => {
    vg.lvs.push({
      uuid: newUuid(), name: `lv${i + 1}`, visible: true, writable: true, alloc: 'inherit', active: false,
      creationTime: now, creationHost: hostname(), tags: [], readAhead: 'auto', flags: [],
      segments: [{ startLe: 0, extentCount: extents, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
        areas: [{ kind: 'pv', pvUuid: vg.pvs[pv].uuid, pe }] }],
    });
  });
  store.commitVg(loaded, vg, `bench: ${count} LVs`);
  store.db.close();
} else {
  const [extentSize, ...pvSpecs] = rest;
  const pvs = pvSpecs.map((s) => {
    const [device, uuid, devSize, peStart, peCount] = s.split(':');
    return { device, uuid, devSize: Number(devSize), peStart: Number(peStart), peCount: Number(peCount) };
  });
  const now = Math.floor(Date.now() / 1000);
  const host = hostname();
  const out = [];
  out.push('contents = "Text Format Volume Group"', 'version = 1', '', 'description = "bench-vg.mjs"', '',
    `creation_host = "${host}"`, `creation_time = ${now}`, '', `${vgName} {`, `id = "${lvmUuid()}"`, 'seqno = 1', 'format = "lvm2"',
    'status = ["RESIZEABLE", "READ", "WRITE"]', 'flags = []', `extent_size = ${Number(extentSize)}`, 'max_lv = 0', 'max_pv = 0',
    'metadata_copies = 0', '', 'physical_volumes {');
  pvs.forEach((p, i) => {
    out.push(`pv${i} {`, `id = "${p.uuid}"`, `device = "${p.device}"`, 'status = ["ALLOCATABLE"]', 'flags = []',
      `dev_size = ${p.devSize}`, `pe_start = ${p.peStart}`, `pe_count = ${p.peCount}`, '}');
  });
  out.push('}', '', 'logical_volumes {');
  place(pvs.map((p) => p.peCount)).forEach(([pv, pe], i) => {
    out.push(`lv${i + 1} {`, `id = "${lvmUuid()}"`, 'status = ["READ", "WRITE", "VISIBLE"]', 'flags = []',
      `creation_time = ${now}`, `creation_host = "${host}"`, 'segment_count = 1', 'segment1 {', 'start_extent = 0',
      `extent_count = ${extents}`, 'type = "striped"', 'stripe_count = 1', `stripes = ["pv${pv}", ${pe}]`, '}', '}');
  });
  out.push('}', '}', '');
  process.stdout.write(out.join('\n'));
}
