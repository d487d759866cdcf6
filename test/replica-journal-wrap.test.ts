// The replication journal is circular (src/repl/journal-format.ts): a record that would cross its
// end is preceded by a Pad record and goes to the start. A durable write (dd oflag=sync) is journaled
// as its record and a barrier in one pwrite (journal-writer.ts appendRecord): the pair must never
// straddle the end either, so when the record would fit before the end and its barrier would not,
// the pad comes first and both go to the start. Here the writes are laid out to hit that case: one
// plain 4 KiB write (a 4,608-byte record), then durable 4 KiB writes (5,120 bytes each), in a 4 MiB
// journal whose data area is 4,161,536 bytes: the 812th durable write starts 4,608 bytes before the
// end. The shipper drains between batches, so the journal never overflows, and the replica ends equal
// to the source.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { replicaSite, replStatus } from './helpers/repl-lab.js';
import { DATA_START, RECORD_HEADER, RecordKind, capacityOf } from '../src/repl/journal-format.js';

const MiB = 1024 * 1024;
let labs: CliLab[] = [];

afterEach(() => {
  for (const l of labs) l.cleanup();
  labs = [];
});

const site = (prefix: string, vg: string): Promise<CliLab> => replicaSite(labs, prefix, vg);

function header(b: Buffer): { kind: number; pos: number } {
  expect(b.readUInt32LE(0)).toBe(0x4352_4a52); // a record's magic
  return { kind: b.readUInt8(16), pos: b.readDoubleLE(48) };
}

describe('replication journal wrap', () => {
  it("never splits a durable write's record and barrier across the journal's end", async () => {
    const a = await site('tsvm-repl-wrap-a-', 'vg');
    const b = await site('tsvm-repl-wrap-b-', 'dr');
    await a.ok('replica', 'create', 'vg/data', '--target', `nbd+unix:///dr/data?socket=${join(b.systemDir, 'run', 'nbd', 'dr.sock')}`, '-L', '4M');
    const caughtUp = async () => until(async () => {
      const s = (await replStatus(a))[0]!;
      return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
    }, 120_000);
    await caughtUp();
    const resyncs = (await replStatus(a))[0]!.repl_resyncs;

    const payload = join(a.dir, 'payload');
    writeFileSync(payload, randomBytes(4 * MiB));
    await a.ok('dd', `if=${payload}`, 'of=/dev/vg/data', 'bs=4k', 'count=1');
    for (const [seek, count] of [[1, 400], [401, 400], [801, 100]]) {
      await a.ok('dd', `if=${payload}`, 'of=/dev/vg/data', 'bs=4k', `skip=${seek}`, `seek=${seek}`, `count=${count}`, 'oflag=sync');
      await caughtUp();
    }

    const cap = capacityOf(4 * MiB);
    const edge = cap - 4608;
    // The pad where the record alone would have fitted; the record and its barrier at the start.
    const pad = header(await a.legBytes('vg/data_rjournal', DATA_START + edge, RECORD_HEADER));
    expect(pad).toEqual({ kind: RecordKind.Pad, pos: edge });
    const rec = header(await a.legBytes('vg/data_rjournal', DATA_START, RECORD_HEADER));
    expect(rec).toEqual({ kind: RecordKind.Write, pos: cap });
    const barrier = header(await a.legBytes('vg/data_rjournal', DATA_START + 4608, RECORD_HEADER));
    expect(barrier).toEqual({ kind: RecordKind.Flush, pos: cap + 4608 });

    // Shipped in order across the end: the replica is the source, and it never left the journal.
    const s = (await replStatus(a))[0]!;
    expect(s.repl_state).toBe('replicating');
    expect(s.repl_resyncs).toBe(resyncs);
    expect((await b.legBytes('dr/data', 0, 4 * MiB)).equals(await a.legBytes('vg/data', 0, 4 * MiB))).toBe(true);
  }, 300_000);
});
