// Every commit of a VG written to the metadata areas of its PVs, as LVM2's vg_write/vg_commit do:
// one text per commit (exported from the VG the store commits), checked against the smallest
// area before the database commits, then written to each present PV after it.
import { hostname, machine, release, type, version } from 'node:os';
import { FileDevice } from '../device/file-device.js';
import { PV_EXT_USED, readPvHeaderOf, writePvLabel } from '../device/pv-label.js';
import type { BlockDevice } from '../device/block-device.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import type { VgCommitWriter } from '../store/commit-writer.js';
import { exportVgRaw } from './export.js';
import { maxTextSize, RAW_LOCN_IGNORED } from './layout.js';
import { adjustIgnoredMdas } from './mda-copies.js';
import { clearMda, encodeText, readMdaHeader, writeMdaText } from './mda-io.js';
import { hasMetadataAreaInUse, mdaIsIgnored, movedMdas, pvMdas } from './pv-layout.js';
import { areaFoundDamaged, stalePvUuids } from './consistency.js';
import { CommandFailed } from '../cli/errors.js';
import { PrintedTexts, spliceText } from './text-reuse.js';

/** What the writer needs from the command: its line (the description), warnings, the clock. */
export interface WriterEnv {
  cmdLine: string;
  warn(line: string): void;
  now(): number;
  /** Where the texts printed are kept for the next commit to reuse (text-reuse.ts); none: print each in full. */
  textsDir?: string;
  /** Their files are written later (the lvm shell: text-reuse.ts, writeUnwrittenTexts). */
  textFilesLater?: boolean;
  /** vg_has_duplicate_pvs: a PV of the VG is also on a device the label scan does not use. */
  duplicatePvs?(vg: VolumeGroup): boolean;
}

/** uname's fields as LVM2's header comment prints them. */
export function unameLine(): string {
  return `${type()} ${hostname()} ${release()} ${version()} ${machine()}`;
}

function withDevice<T>(pv: PhysicalVolume, fn: (dev: BlockDevice) => T): T | undefined {
  if (pv.missing || pv.absent) return undefined;
  let dev: FileDevice;
  try {
    dev = new FileDevice(pv.path);
  } catch {
    return undefined;
  }
  try {
    return fn(dev);
  } finally {
    dev.close();
  }
}

export class OnDiskWriter implements VgCommitWriter {
  /** vg->write_count: LVM2 says "Write[N] from" for a VG's later writes in one command. */
  private readonly writes = new Map<string, number>();

  private readonly texts: PrintedTexts | null;

  constructor(private readonly env: WriterEnv) {
    this.texts = env.textsDir ? new PrintedTexts(env.textsDir, env.textFilesLater) : null;
  }

  prepare(vg: VolumeGroup, released: PhysicalVolume[], unchanged?: ReadonlySet<LogicalVolume>, readCount?: number,
    removed?: readonly LogicalVolume[]): () => void {
    if (this.env.duplicatePvs?.(vg)) throw new CommandFailed(`Cannot update volume group ${vg.name} with duplicate PV devices.`);
    const n = (this.writes.get(vg.uuid) ?? 0) + 1;
    this.writes.set(vg.uuid, n);
    const description = `${n === 1 ? 'Write' : `Write[${n}]`} from ${this.env.cmdLine}.`;
    adjustIgnoredMdas(vg);
    const now = this.env.now();
    // vg_write: the metadata areas in use are those of the PVs present.
    if (!hasMetadataAreaInUse(vg.pvs)) {
      throw new CommandFailed('Aborting vg_write: No metadata areas to write to!');
    }
    const h = { description, time: now, host: hostname(), uname: unameLine() };
    // the text of the version read, if tsvm printed it (same checksum and size as recorded)
    const kept = unchanged?.size ? this.texts?.read(vg.uuid, vg.mdaTextCrc) : null;
    const previous = kept && kept.text.length + 1 === vg.mdaTextSize ? kept : null;
    const spliced = previous && spliceText(previous.text, vg, unchanged!, h, previous.blocks ?? undefined, readCount, removed);
    let room: Buffer | undefined;
    const text = encodeText(spliced ? spliced.parts : exportVgRaw(vg, h), this.texts ? (bytes) => (room = this.texts!.room(vg.uuid, bytes)) : undefined);
    const oldCrc = vg.mdaTextCrc;
    for (const pv of vg.pvs) {
      for (const area of pvMdas(pv).filter((_a, i) => !mdaIsIgnored(pv, i))) {
        const max = maxTextSize(area.size);
        if (text.size > max) {
          throw new CommandFailed(
            `VG ${vg.name} ${vg.seqno} metadata on ${pv.name} (${text.size} bytes) exceeds maximum metadata size (${max} bytes)`,
            `Failed to write VG ${vg.name}.`,
          );
        }
      }
    }
    vg.mdaTextSize = text.size;
    vg.mdaTextCrc = text.checksum;
    const stale = stalePvUuids(vg);
    for (const pv of vg.pvs) {
      if (stale?.has(pv.uuid)) this.env.warn(`WARNING: updating old metadata to ${vg.seqno} on ${pv.name} for VG ${vg.name}.`);
    }
    return () => {
      for (const pv of vg.pvs) this.writePv(vg, pv, text);
      for (const pv of released) this.orphan(pv);
      this.texts?.keep(vg.uuid, text.checksum, text.buf.subarray(0, text.size - 1), oldCrc, spliced?.blocks ?? null, room);
    };
  }

  removed(vg: VolumeGroup): void {
    for (const pv of vg.pvs) this.orphan(pv);
    this.texts?.drop(vg.uuid, vg.mdaTextCrc);
  }

  private writePv(vg: VolumeGroup, pv: PhysicalVolume, text: ReturnType<typeof encodeText>): void {
    try {
      withDevice(pv, (dev) => {
        const h = readPvHeaderOf(dev, pv.uuid);
        if (!h) return;
        // pvresize: the second area moves with the end of the device
        const mdas = h.devSize !== pv.devSize ? movedMdas(h.mdas, pv.devSize) : h.mdas;
        if (!(h.extFlags & PV_EXT_USED) || h.devSize !== pv.devSize) {
          writePvLabel(dev, { uuid: pv.uuid, devSize: pv.devSize }, pv.peStart * 512, true, mdas);
        }
        mdas.forEach((area, i) => {
          // a damaged area waits for vgck --updatemetadata, as in LVM2
          if (areaFoundDamaged(vg, pv.uuid, i)) return;
          const cur = readMdaHeader(dev, area);
          const ignored = mdaIsIgnored(pv, i);
          // an area found ignored stays as it is (LVM2 keeps it off metadata_areas_in_use)
          if (ignored && typeof cur !== 'string' && (cur.rlocns[0]?.flags ?? 0) & RAW_LOCN_IGNORED) return;
          writeMdaText(dev, area, typeof cur === 'string' ? null : cur, text, ignored);
        });
      });
    } catch {
      this.env.warn(`WARNING: Failed to write an MDA of VG ${vg.name}.`);
    }
  }

  /** A PV that left its VG: no metadata in its areas, "not in a VG" in its label. */
  private orphan(pv: PhysicalVolume): void {
    try {
      withDevice(pv, (dev) => {
        const h = readPvHeaderOf(dev, pv.uuid);
        if (!h) return;
        h.mdas.forEach((area, i) => clearMda(dev, area, mdaIsIgnored(pv, i)));
        writePvLabel(dev, { uuid: pv.uuid, devSize: h.devSize }, pv.peStart * 512, false, h.mdas);
      });
    } catch {
      this.env.warn(`WARNING: Failed to wipe metadata on ${pv.name}.`);
    }
  }
}

/** pv_write of an orphan (pvchange --metadataignore): empty areas carrying their ignored flags. */
export function writeOrphanMdas(pv: PhysicalVolume): void {
  withDevice(pv, (dev) => {
    const h = readPvHeaderOf(dev, pv.uuid);
    if (!h) return;
    h.mdas.forEach((area, i) => clearMda(dev, area, mdaIsIgnored(pv, i)));
    // pv_write of an orphan: its label no longer says "in use" (a PV of a VG whose metadata is gone)
    if (h.extFlags & PV_EXT_USED) writePvLabel(dev, { uuid: pv.uuid, devSize: h.devSize }, pv.peStart * 512, false, h.mdas);
  });
}
