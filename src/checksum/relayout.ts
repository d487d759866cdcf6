// Re-laying an LV's checksum table for a new size or region size (lvextend of a raid1 LV). The
// table lives in the rmeta's fixed space (LVM2 never grows an rmeta: lv_extend allocates no
// metadata areas for an existing LV), so when the LV grows past what the current block size can
// cover, or LVM2 doubles the region size (raid_ensure_min_region_size), the records are rebuilt in
// the new geometry: regrouped when the block size stays; recomputed from the images' data when it
// grows, each old block first verified against its old checksum on any image that holds it right.
// Regions the write-intent bitmap marks dirty keep no checksums (they were only hints there).
// Every copy is then rewritten in turn: its header invalidated, the records, the header last.
import { DeviceIoError, type BlockDevice } from '../device/block-device.js';
import {
  CSUM_HEADER_BYTES, blockSum, chooseBlockShift, encodeHeader, encodeRecord, geometry, recordOffset, tableBytes,
  type CsumHeader,
} from './format.js';
import { ChecksumTable, readCsumHeader } from './table.js';
import type { HashVersion } from './block-hash.js';



export interface RelayoutRequest {
  /** The table's copies (writable windows over the checksum areas). */
  copies: BlockDevice[];
  owner: string;
  /** Region size (sectors) and count the table has now, and what the LV will have. */
  regionSize: number;
  newRegionSize: number;
  newNrRegions: number;
  /** LV bytes that existed before the change (data beyond is new, never written). */
  oldBytes: number;
  /** Old region r is in sync in the write-intent bitmap. */
  clean: (r: number) => boolean;
  /** The images' data, by LV offset (null: an image that cannot be read). */
  images: Array<BlockDevice | null>;
  /** Called as a rebuild goes on (regions of the new table done, of total), from 0 to total. */
  progress?: (done: number, total: number) => void;
}

/** New regions between two progress calls (a call costs a clock read). */
const PROGRESS_EVERY = 64;

export interface RelayoutResult {
  /** 'kept': the table still fits as it is (the ordinary resize handles it); 'rebuilt'; 'dropped': no table fits; 'none': there was none. */
  outcome: 'kept' | 'rebuilt' | 'dropped' | 'none';
  header?: CsumHeader;
  /** Blocks whose new checksum was computed from data verified against the old ones. */
  recomputed: number;
  /** Blocks no image held right: they keep a checksum no copy matches (reads of them fail, as before). */
  unrepairable: number;
}

/** Whether the table must be rebuilt (or dropped) for the new geometry, and rebuild it if so. */
export function relayoutChecksums(req: RelayoutRequest): RelayoutResult {
  const none: RelayoutResult = { outcome: 'none', recomputed: 0, unrepairable: 0 };
  const first = req.copies.map((c) => readCsumHeader(c)).find((h) => h && h.owner === req.owner && h.regionSize === req.regionSize);
  if (!first || !first.enabled) return none;
  // the old table as it stands (records from the first copy holding a valid one)
  const table = ChecksumTable.open(req.copies, { owner: req.owner, regionSize: req.regionSize, nrRegions: first.nrRegions }, true);
  if (!table) return none;
  const old = table.header;
  const area = Math.min(...req.copies.map((c) => c.size()));
  const same = { ...old, regionSize: req.newRegionSize, nrRegions: req.newNrRegions };
  if (req.newRegionSize === req.regionSize && tableBytes(same) <= area) return { ...none, outcome: 'kept' };
  const shift = tableBytes(same) <= area ? old.blockShift : chooseBlockShift(req.newRegionSize, req.newNrRegions, area);
  if (shift === null || shift < old.blockShift) {
    // Not even one checksum per region fits the rmeta: the LV goes on without (a disabled header
    // keeps it so; see the README's Scaling).
    for (const c of req.copies) writeWhole(c, null, { ...same, enabled: false });
    return { outcome: 'dropped', recomputed: 0, unrepairable: 0 };
  }
  const header: CsumHeader = { ...same, blockShift: shift };
  const gOld = geometry(old);
  const gNew = geometry(header);
  const records = (r: number) => (r < old.nrRegions ? table.record(r) : new Uint32Array(gOld.blocksPerRegion));
  const out = Buffer.alloc(tableBytes(header) - CSUM_HEADER_BYTES);
  let recomputed = 0;
  let unrepairable = 0;
  const per = gNew.blockBytes / gOld.blockBytes;
  req.progress?.(0, req.newNrRegions);
  for (let q = 0; q < req.newNrRegions; q++) {
    if (q && q % PROGRESS_EVERY === 0) req.progress?.(q, req.newNrRegions);
    const entries = new Uint32Array(gNew.blocksPerRegion);
    const start = q * gNew.regionBytes;
    for (let b = 0; b < gNew.blocksPerRegion; b++) {
      const s = start + b * gNew.blockBytes;
      // a block reaching into the new extents has bytes never written: it starts unrecorded
      if (s + gNew.blockBytes > req.oldBytes) break;
      // the old blocks this one is made of, and their checksums (0: none, or a dirty region's)
      const subs: number[] = [];
      let dirty = false;
      for (let i = 0; i < per; i++) {
        const at = s + i * gOld.blockBytes;
        const r = Math.floor(at / gOld.regionBytes);
        if (!req.clean(r)) dirty = true;
        subs.push(at < req.oldBytes ? records(r)[Math.floor((at - r * gOld.regionBytes) / gOld.blockBytes)] ?? 0 : 0);
      }
      if (dirty || subs.every((x) => !x)) continue;
      if (per === 1) {
        entries[b] = subs[0]!;
        continue;
      }
      const v = verifiedSum(req.images, s, gNew.blockBytes, gOld.blockBytes, subs, old.version);
      if (v.ok) recomputed++;
      else unrepairable++;
      entries[b] = v.sum;
    }
    encodeRecord(entries).copy(out, recordOffset(gNew, q) - CSUM_HEADER_BYTES);
  }
  for (const c of req.copies) writeWhole(c, out, header);
  req.progress?.(req.newNrRegions, req.newNrRegions);
  return { outcome: 'rebuilt', header, recomputed, unrepairable };
}

/**
 * The checksum of the new block at `s`, from the first image whose old blocks all match their old
 * checksums; when none does, a checksum no image's copy matches (the block stays unreadable, as it was).
 */
function verifiedSum(images: Array<BlockDevice | null>, s: number, len: number, oldBlock: number, subs: number[], version: HashVersion): { ok: boolean; sum: number } {
  const buf = Buffer.alloc(len);
  let first: number | null = null;
  for (const img of images) {
    if (!img) continue;
    try {
      img.readAt(buf, s);
    } catch (e) {
      if (!(e instanceof DeviceIoError)) throw e;
      continue;
    }
    const sum = blockSum(buf, version);
    first ??= sum;
    let ok = true;
    for (let i = 0; i < subs.length && ok; i++) {
      const want = subs[i]!;
      if (!want || i * oldBlock >= len) continue;
      ok = blockSum(buf.subarray(i * oldBlock, Math.min(len, (i + 1) * oldBlock)), version) === want;
    }
    if (ok) return { ok: true, sum };
  }
  return { ok: false, sum: ((first ?? 0) ^ 0x5a5a5a5a) >>> 0 || 1 };
}

/** One copy: header invalidated, records (when enabled), header; each step flushed. */
function writeWhole(c: BlockDevice, records: Buffer | null, header: CsumHeader): void {
  try {
    c.writeAt(Buffer.alloc(CSUM_HEADER_BYTES), 0);
    c.flush();
    if (records) {
      c.writeAt(records, CSUM_HEADER_BYTES);
      c.flush();
    }
    c.writeAt(encodeHeader(header), 0);
    c.flush();
  } catch (e) {
    // A copy that cannot be written is an image on its way out: the others hold the table.
    if (!(e instanceof DeviceIoError)) throw e;
  }
}
