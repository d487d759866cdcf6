// A commit's metadata text made from the previous one (format-text/text-reuse.ts) is, byte for
// byte, the text a full export prints, whatever the command changed; and it is not used when the
// PVs changed (an LV's block names them by their place).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportVgRaw, type ExportHeader } from '../src/format-text/export.js';
import { lvBlocks, PrintedTexts, spliceText, type LvBlocks } from '../src/format-text/text-reuse.js';
import { encodeText } from '../src/format-text/mda-io.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { lcg } from './helpers/lcg.js';

const h: ExportHeader = { description: 'Write from lvcreate -n x vg.', time: 1764633600, host: 'host', uname: 'Linux host 6 #1 x86_64' };

const lv = (name: string, pv: string, pe: number, extra: Partial<LogicalVolume> = {}): LogicalVolume => ({
  uuid: `uuid-${name}-0000-0000-0000-0000-000000`, name, visible: true, writable: true, alloc: 'inherit', active: false,
  creationTime: 1764633000, creationHost: 'host', tags: [], readAhead: 'auto', flags: [],
  segments: [{ startLe: 0, extentCount: 4, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null, areas: [{ kind: 'pv', pvUuid: pv, pe }] }],
  ...extra,
});

function vg(): VolumeGroup {
  const pvs = ['pv-a', 'pv-b', 'pv-c'].map((uuid, i) => ({
    uuid, name: `/dev/sd${'bcd'[i]}`, path: `/x/${i}`, devSize: 1 << 34, peStart: 2048, peCount: 4000, allocatable: true, missing: false,
    tags: [], vgName: 'vg',
  }));
  const lvs: LogicalVolume[] = [];
  // (some LVs show another UUID than their key: a copy's, model/lv-id.ts; the text has that one)
  for (let i = 0; i < 40; i++) {
    lvs.push(lv(`lv${i}`, pvs[i % 3]!.uuid, 4 * i, i % 7 === 3 ? { visible: false, tags: ['t'] }
      : i % 5 === 1 ? { shownUuid: `shown${i}-0000-0000-0000-0000-000000` } : {}));
  }
  return {
    uuid: 'vg-uuid', name: 'vg', extentSize: 8192, seqno: 7, alloc: 'normal', maxLv: 0, maxPv: 0, resizeable: true, exported: false,
    tags: [], systemId: '', creationTime: 1, creationHost: 'host', mdaCopies: 0, pvs, lvs,
  };
}

function prevBytes(v: VolumeGroup): Buffer {
  return Buffer.from(exportVgRaw(v, { ...h, description: 'Write from before.', time: 1 }));
}

/** The LVs of `after` whose JSON is what the LV with their uuid had in `before`. */
function unchanged(before: VolumeGroup, after: VolumeGroup): Set<LogicalVolume> {
  const old = new Map(before.lvs.map((l) => [l.uuid, JSON.stringify(l)]));
  return new Set(after.lvs.filter((l) => old.get(l.uuid) === JSON.stringify(l)));
}

describe('text reuse', () => {
  it('prints the bytes a full export prints, for any mix of changes', () => {
    const rnd = lcg(5);
    let before = vg();
    let placed: LvBlocks | undefined;
    for (let round = 0; round < 200; round++) {
      const after = structuredClone(before);
      after.seqno++;
      for (let k = rnd(3) + 1; k > 0; k--) {
        const i = rnd(after.lvs.length);
        const op = after.lvs.length > 2 ? rnd(6) : 1;
        if (op === 0) after.lvs.splice(i, 1);
        else if (op === 1) after.lvs.splice(i, 0, lv(`n${round}_${k}`, after.pvs[rnd(3)]!.uuid, 1000 + round));
        else if (op === 2) after.lvs[i]!.segments[0]!.extentCount++;
        else if (op === 3) after.lvs[i]!.visible = !after.lvs[i]!.visible;
        else if (op === 4) after.lvs[i]!.name = `r${round}_${k}`;
        else after.lvs.push(after.lvs.splice(i, 1)[0]!);
      }
      const prev = prevBytes(before);
      // (the blocks of the previous text: found in it, or as the splice that printed it placed them)
      const spliced = spliceText(prev, after, unchanged(before, after), h, round % 2 && placed ? placed : undefined);
      expect(spliced).not.toBeNull();
      const got = encodeText(spliced!.parts);
      const want = encodeText(exportVgRaw(after, h));
      expect(got.size).toBe(want.size);
      expect(got.checksum).toBe(want.checksum);
      expect(got.buf.equals(want.buf)).toBe(true);
      expect(spliced!.blocks).toEqual(lvBlocks(got.buf.subarray(0, got.size - 1)));
      placed = spliced!.blocks;
      before = after;
    }
  });

  it('puts new LVs in without walking the old blocks when every LV read is unchanged in its place, and checks that edges are so', () => {
    const rnd = lcg(9);
    /** The LVs of `after` at the place they had in `before`, with the same JSON (metadata-store.ts's unchanged LVs). */
    const inPlace = (before: VolumeGroup, after: VolumeGroup) =>
      new Set(after.lvs.filter((l, i) => before.lvs[i] && JSON.stringify(before.lvs[i]) === JSON.stringify(l)));
    let before = vg();
    let placed: LvBlocks | null = null;
    let appended = 0;
    for (let round = 0; round < 80; round++) {
      const after = structuredClone(before);
      after.seqno++;
      // mostly appends (lvcreate), visible or hidden; now and then a change the fast path must leave to the walk
      const op = rnd(8);
      for (let k = rnd(2) + 1; k > 0; k--) {
        after.lvs.push(lv(`a${round}_${k}`, after.pvs[rnd(3)]!.uuid, 3000 + round * 4 + k, rnd(3) === 0 ? { visible: false } : {}));
      }
      if (op === 0) after.lvs.splice(rnd(before.lvs.length), 1);
      else if (op === 1) after.lvs[rnd(before.lvs.length)]!.segments[0]!.extentCount++;
      else if (op === 2) after.lvs.splice(before.lvs.length - 1, 1);
      const prev = prevBytes(before);
      const known = round % 2 && placed ? placed : undefined;
      const unchangedLvs = inPlace(before, after);
      const spliced = spliceText(prev, after, unchangedLvs, h, known, before.lvs.length);
      expect(spliced).not.toBeNull();
      const got = encodeText(spliced!.parts);
      const want = encodeText(exportVgRaw(after, h));
      expect(got.buf.equals(want.buf)).toBe(true);
      if (spliced!.blocks || known) expect(spliced!.blocks).toEqual(lvBlocks(got.buf.subarray(0, got.size - 1)));
      if (unchangedLvs.size === before.lvs.length) appended++;
      placed = spliced!.blocks ?? lvBlocks(got.buf.subarray(0, got.size - 1));
      before = after;
    }
    expect(appended).toBeGreaterThan(40);
    // a previous text with one LV more than the count says (not the export of the version read): the edges show it
    const base = vg();
    const more = structuredClone(base);
    more.lvs.push(lv('extra', 'pv-a', 3900));
    for (const hidden of [false, true]) {
      const after = structuredClone(base);
      after.lvs.push(lv('new', 'pv-b', 3950, hidden ? { visible: false } : {}));
      more.lvs[more.lvs.length - 1]!.visible = !hidden;
      const spliced = spliceText(prevBytes(more), after, new Set(after.lvs.slice(0, base.lvs.length)), h, undefined, base.lvs.length);
      expect(encodeText(spliced!.parts).buf.equals(encodeText(exportVgRaw(after, h)).buf)).toBe(true);
    }
  });

  it('cuts out the blocks of removed LVs without walking the others when removing is all that changed', () => {
    const rnd = lcg(13);
    let before = vg();
    let cut = 0;
    for (let round = 0; round < 80; round++) {
      const after = structuredClone(before);
      after.seqno++;
      // a run of 1-3 LVs anywhere (lvremove of an LV, of a mirror and its sub-LVs); now and then
      // also an LV added or changed, which the walk must do
      const k = Math.min(rnd(3) + 1, after.lvs.length - 1);
      const at = rnd(after.lvs.length - k + 1);
      const removed = after.lvs.splice(at, k);
      const op = rnd(6);
      if (op === 0) after.lvs.push(lv(`a${round}`, after.pvs[rnd(3)]!.uuid, 3000 + round * 4));
      else if (op === 1) after.lvs[rnd(after.lvs.length)]!.segments[0]!.extentCount++;
      const same = unchanged(before, after);
      const spliced = spliceText(prevBytes(before), after, same, h, undefined, before.lvs.length, removed);
      expect(spliced).not.toBeNull();
      const got = encodeText(spliced!.parts);
      expect(got.buf.equals(encodeText(exportVgRaw(after, h)).buf)).toBe(true);
      // (the walk gives the new text's blocks; the cut, like spliceAppended, does not)
      if (op > 1) {
        expect(spliced!.blocks).toBeNull();
        cut++;
      } else {
        expect(spliced!.blocks).toEqual(lvBlocks(got.buf.subarray(0, got.size - 1)));
      }
      before = after.lvs.length > 8 ? after : vg();
    }
    expect(cut).toBeGreaterThan(40);
    // a removed LV whose block the previous text does not have (not the export of the version
    // read): the walk, and still the full export's bytes
    const base = vg();
    const other = structuredClone(base);
    other.lvs[5]!.name = 'elsewhere';
    const after = structuredClone(base);
    const removed = after.lvs.splice(5, 1);
    const spliced = spliceText(prevBytes(other), after, new Set(after.lvs), h, undefined, base.lvs.length, removed);
    expect(spliced!.blocks).not.toBeNull();
    expect(encodeText(spliced!.parts).buf.equals(encodeText(exportVgRaw(after, h)).buf)).toBe(true);
  });

  it('texts printed into the rooms PrintedTexts lends are each what a full export prints', () => {
    // The writer's round (format-text/on-disk.ts): the text kept last is spliced into a room,
    // written, then kept in its place; the room of the text replaced is lent for the next one.
    // Texts grow and shrink, so a room holds the end of a longer text printed in it before.
    const dir = mkdtempSync(join(tmpdir(), 'tsvm-rooms-'));
    try {
      const texts = new PrintedTexts(dir);
      const rnd = lcg(11);
      let before = vg();
      let crc: number | undefined;
      const rooms = new Set<ArrayBufferLike>();
      for (let round = 0; round < 60; round++) {
        const after = structuredClone(before);
        after.seqno++;
        if (round % 5 === 4) after.lvs.splice(0, 10);
        for (let k = rnd(4) + 1; k > 0; k--) after.lvs.push(lv(`n${round}_${k}`, after.pvs[rnd(3)]!.uuid, 2000 + round * 8 + k));
        const kept = crc === undefined ? null : texts.read(after.uuid, crc);
        const spliced = kept && spliceText(kept.text, after, unchanged(before, after), h, kept.blocks ?? undefined);
        let room: Buffer | undefined;
        const got = encodeText(spliced ? spliced.parts : exportVgRaw(after, h), (bytes) => (room = texts.room(after.uuid, bytes)));
        const want = encodeText(exportVgRaw(after, h));
        expect(got.buf.equals(want.buf)).toBe(true);
        texts.keep(after.uuid, got.checksum, got.buf.subarray(0, got.size - 1), crc, spliced?.blocks ?? null, room);
        rooms.add(room!.buffer);
        if (round > 0) expect(spliced).not.toBeNull();
        crc = got.checksum;
        before = after;
      }
      // (two rooms served, and grew with the texts)
      expect(rooms.size).toBeLessThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not used when the PVs changed, nor for a VG without LVs', () => {
    const before = vg();
    const after = structuredClone(before);
    after.pvs.reverse();
    expect(spliceText(prevBytes(before), after, new Set(after.lvs), h)).toBeNull();
    const empty = { ...vg(), lvs: [] };
    expect(spliceText(prevBytes(empty), empty, new Set(), h)).toBeNull();
  });
});
