// Damaged metadata areas (LVM2's label scan, text_label.c _read_mda_header_and_metadata): a bad
// header or text on one PV is named in LVM2's words by every command that reads the VG and is
// left alone until vgck --updatemetadata; with every area in use bad, LVM2 finds no VG and the
// command is refused without writing anything, the database included. Lines below are what
// the real LVM2 2.03.16 printed for the same damage (lvm2-oracle, the scenario in each test).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-badmda-');
  lab.prepareDevs(3, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
  await lab.ok('vgcreate', 'vgb', '/dev/loop2');
});
afterEach(() => lab.cleanup());

/** dd if=/dev/zero of=DEV bs=512 seek=N count=C conv=notrunc */
function zero(dev: string, sector: number, count = 1): void {
  const fd = openSync(join(lab.devDir, dev), 'r+');
  writeSync(fd, Buffer.alloc(512 * count), 0, 512 * count, sector * 512);
  closeSync(fd);
}

function pvid(uuid: string): string {
  return uuid.replace(/-/g, '');
}

async function uuidOf(dev: string): Promise<string> {
  return (await lab.ok('pvs', '--noheadings', '-o', 'pv_uuid', `/dev/${dev}`)).stdout.trim();
}

/** LVM2's lines for an mda header zeroed at 4096, the PV's only area. */
function zeroedHeader(dev: string, uuid: string): string[] {
  return [
    `  WARNING: wrong checksum 0 in mda header on /dev/${dev} at 4096`,
    `  WARNING: wrong magic number in mda header on /dev/${dev} at 4096`,
    `  WARNING: wrong version 0 in mda header on /dev/${dev} at 4096`,
    `  WARNING: wrong start sector 0 in mda header on /dev/${dev} at 4096`,
    `  WARNING: bad metadata header on /dev/${dev} at 4096.`,
    `  WARNING: scanning /dev/${dev} mda1 failed to read metadata summary.`,
    `  WARNING: repair VG metadata on /dev/${dev} with vgck --updatemetadata.`,
    `  WARNING: scan failed to get metadata summary from /dev/${dev} PVID ${pvid(uuid)}`,
  ];
}

describe('damaged metadata areas', () => {
  it('one bad header: named, the change goes on, the area waits for vgck --updatemetadata', async () => {
    const u0 = await uuidOf('loop0');
    zero('loop0', 8);
    const r = await lab.ok('lvcreate', '-L', '4m', '-n', 'lv2', 'vg');
    expect(r.stdout).toBe('  Logical volume "lv2" created.');
    expect(r.stderr.split('\n')).toEqual(zeroedHeader('loop0', u0));
    // LVM2 does not write a damaged area in a normal commit: the next command names it again
    const again = await lab.ok('lvcreate', '-L', '4m', '-n', 'lv3', 'vg');
    expect(again.stderr.split('\n')).toEqual(zeroedHeader('loop0', u0));
    // a header whose magic and start are wrong may not be where the PV header says: not repaired
    const notFixed = await lab.ok('vgck', '--updatemetadata', 'vg');
    expect(notFixed.stderr.split('\n')).toEqual([...zeroedHeader('loop0', u0), '  WARNING: not repairing bad metadata (0xf4) for mda1 on /dev/loop0']);
    expect((await lab.ok('lvs', '--noheadings', '-o', 'vg_seqno', 'vg/lv')).stdout.trim()).toBe('5');
  });

  it('a header with only a wrong checksum: vgck --updatemetadata repairs it', async () => {
    const u0 = await uuidOf('loop0');
    const fd = openSync(join(lab.devDir, 'loop0'), 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, 4096 + 500);
    closeSync(fd);
    const r = await lab.ok('lvcreate', '-L', '4m', '-n', 'lv2', 'vg');
    const sum = /wrong checksum ([0-9a-f]+) /.exec(r.stderr)![1]!;
    const bad = `  WARNING: wrong checksum ${sum} in mda header on /dev/loop0 at 4096`;
    const named = [bad, '  WARNING: bad metadata header on /dev/loop0 at 4096.',
      '  WARNING: scanning /dev/loop0 mda1 failed to read metadata summary.',
      '  WARNING: repair VG metadata on /dev/loop0 with vgck --updatemetadata.',
      `  WARNING: scan failed to get metadata summary from /dev/loop0 PVID ${pvid(u0)}`];
    expect(r.stderr.split('\n')).toEqual(named);
    const fixed = await lab.ok('vgck', '--updatemetadata', 'vg');
    expect(fixed.stderr.split('\n')).toEqual([...named, '  WARNING: repairing bad metadata (0x14) in mda1 at 4096 on /dev/loop0.', bad, bad]);
    expect((await lab.ok('lvcreate', '-L', '4m', '-n', 'lv3', 'vg')).stderr).toBe('');
    expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno', 'vg')).stdout.trim()).toBe('5');
  });

  it('every header bad: the VG is not found by changing commands, and nothing is written', async () => {
    const [u0, u1] = [await uuidOf('loop0'), await uuidOf('loop1')];
    zero('loop0', 8);
    zero('loop1', 8);
    const refused = [...zeroedHeader('loop0', u0), ...zeroedHeader('loop1', u1), '  Volume group "vg" not found', '  Cannot process volume group vg'];
    for (const cmd of [['lvcreate', '-L', '4m', '-n', 'lv3', 'vg'], ['vgchange', '--addtag', 't', 'vg'], ['lvremove', '-y', 'vg/lv'],
      ['vgck', '--updatemetadata', 'vg'], ['vgremove', '-y', 'vg']]) {
      expect((await lab.failsUnchanged(5, ...cmd)).split('\n'), cmd.join(' ')).toEqual(refused);
    }
    // the other VG is untouched by it
    await lab.ok('lvcreate', '-L', '4m', '-n', 'x', 'vgb');
  });

  it('every text bad: LVM2 reads each twice ("Retrying metadata scan.") and refuses the VG', async () => {
    const u2 = await uuidOf('loop2');
    const hdr = Buffer.alloc(64);
    const fd = openSync(join(lab.devDir, 'loop2'), 'r');
    readSync(fd, hdr, 0, 64, 4096);
    closeSync(fd);
    const at = 4096 + Number(hdr.readBigUInt64LE(40));
    zero('loop2', 9, 64);
    const once = [
      `  WARNING: Metadata location on /dev/loop2 at offset ${at} begins with invalid name.`,
      `  WARNING: Checksum error on /dev/loop2 at offset ${at}.`,
      `  WARNING: invalid metadata text from /dev/loop2 at ${at}.`,
      `  WARNING: metadata on /dev/loop2 at ${at} has invalid summary for VG.`,
    ];
    const before = lab.state();
    const r = await lab.run('lvcreate', '-L', '4m', '-n', 'lv3', 'vgb');
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toBe('  Retrying metadata scan.');
    expect(r.stderr.split('\n')).toEqual([...once, ...once,
      '  WARNING: bad metadata text on /dev/loop2 in mda1',
      '  WARNING: scanning /dev/loop2 mda1 failed to read metadata summary.',
      '  WARNING: repair VG metadata on /dev/loop2 with vgck --updatemetadata.',
      `  WARNING: scan failed to get metadata summary from /dev/loop2 PVID ${pvid(u2)}`,
      '  Volume group "vgb" not found', '  Cannot process volume group vgb']);
    expect(lab.state()).toBe(before);
  });
});
