// A writer opening a replication journal indexes the Ref records (large writes journaled by
// reference) that a replica has not applied, so that overwriting their bytes preserves them first.
// It finds them by the chain of Refs (journal-format.ts RefLink: every record names the last Ref
// before it, and the hint the last one before its head) instead of reading every record since the
// oldest unapplied one, which a paused replica or a link down makes hundreds of thousands long.
// Here: the chain as written on disk, the preserves a new writer makes through it, the same with a
// hint from before the chain (the writer then reads every record), and the replica equal to the
// source once resumed.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { caughtUp, replicaSite } from './helpers/repl-lab.js';
import {
  DATA_START, HINT_OFFSET, REF_NONE, REF_UNKNOWN, RecordKind, SECTOR_BYTES, capacityOf, decodeHint, decodeRecordHeader, encodeHint,
  refLink,
} from '../src/repl/journal-format.js';

const MiB = 1024 * 1024;
const JOURNAL = 16 * MiB;
let labs: CliLab[] = [];

afterEach(() => {
  for (const l of labs) l.cleanup();
  labs = [];
});

interface Rec { seq: number; kind: number; offset: number; pos: number; prevRef: number }

/** Every record of the journal from position 0 (no wrap in these tests), read from the PV image. */
async function records(a: CliLab): Promise<Rec[]> {
  const bytes = await a.legBytes('vg/data_rjournal', 0, JOURNAL);
  const cap = capacityOf(JOURNAL);
  const out: Rec[] = [];
  for (let pos = 0; pos < cap;) {
    const r = decodeRecordHeader(bytes.subarray(DATA_START + pos), pos);
    if (!r || r.kind === RecordKind.Pad) break;
    out.push({ seq: r.seq, kind: r.kind, offset: r.offset, pos, prevRef: r.prevRef });
    pos += r.span;
  }
  return out;
}

describe('replication journal: the chain of Ref records', () => {
  it('is written with every record, followed by a new writer to preserve what unapplied Refs need, and replaced by a walk where unknown', async () => {
    const a = await replicaSite(labs, 'tsvm-repl-chain-a-', 'vg');
    const b = await replicaSite(labs, 'tsvm-repl-chain-b-', 'dr');
    await a.ok('replica', 'create', 'vg/data', '--target', `nbd+unix:///dr/data?socket=${join(b.systemDir, 'run', 'nbd', 'dr.sock')}`, '-L', '16M');
    await caughtUp(a);
    await a.ok('replica', 'pause', 'vg/data');

    const payload = join(a.dir, 'payload');
    writeFileSync(payload, randomBytes(8 * MiB));
    const dd = (...args: string[]) => a.ok('dd', `if=${payload}`, 'of=/dev/vg/data', ...args);
    // Two Refs (1 MiB writes), each followed by small writes (journaled with their bytes), each by its own process.
    await dd('bs=1M', 'count=1', 'seek=0');
    await dd('bs=4k', 'count=200', 'skip=512', 'seek=512');
    await dd('bs=1M', 'count=1', 'skip=4', 'seek=4');
    await dd('bs=4k', 'count=200', 'skip=1536', 'seek=1536', 'oflag=sync');

    // On disk: every record names the last Ref before it; the hint names the last Ref of all.
    const recs = await records(a);
    const refs = recs.filter((r) => r.kind === RecordKind.Ref);
    expect(refs.map((r) => r.offset)).toEqual([0, 4 * MiB]);
    let last = REF_NONE;
    for (const r of recs) {
      expect(r.prevRef, `record ${r.seq}`).toBe(last);
      if (r.kind === RecordKind.Ref) last = refLink(r.pos);
    }
    const hintAt = async () => decodeHint(await a.legBytes('vg/data_rjournal', HINT_OFFSET, SECTOR_BYTES))!;
    expect((await hintAt()).lastRef).toBe(refLink(refs[1]!.pos));

    // A new writer over both Refs' bytes (the replica has applied neither): the old bytes are preserved first.
    const preserves = async () => (await records(a)).filter((r) => r.kind === RecordKind.Preserve).map((r) => r.offset);
    await dd('bs=4k', 'count=1', 'skip=2000', 'seek=0');
    await dd('bs=4k', 'count=1', 'skip=2001', 'seek=1024');
    expect(await preserves()).toEqual([0, 4 * MiB]);

    // A hint from before the chain (its seventh number zero): the writer reads every record instead, and still preserves.
    const h = await hintAt();
    expect(h.lastRef).toBe(refLink(refs[1]!.pos));
    await a.putBytes('vg/data_rjournal', HINT_OFFSET, encodeHint({ ...h, lastRef: REF_UNKNOWN }));
    await dd('bs=4k', 'count=1', 'skip=2002', 'seek=1040');
    expect(await preserves()).toEqual([0, 4 * MiB, 4 * MiB + 64 * 1024]);
    // That writer knows the chain again from its walk: what it wrote names the last Ref.
    const after = await records(a);
    expect(after[after.length - 1]!.prevRef).toBe(refLink(refs[1]!.pos));
    expect((await hintAt()).lastRef).toBe(refLink(refs[1]!.pos));

    // Shipped in order: the replica is the source (each Ref's bytes as they were when it was written, then the overwrites).
    await a.ok('replica', 'resume', 'vg/data');
    await caughtUp(a);
    expect((await b.legBytes('dr/data', 0, 8 * MiB)).equals(await a.legBytes('vg/data', 0, 8 * MiB))).toBe(true);
  }, 300_000);
});
