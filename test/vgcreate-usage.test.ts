// VG lifecycle over image files: messages, seqno and history, and failing commands that change
// nothing (metadata dump and image bytes compared before and after).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(() => {
  lab = new CliLab();
  lab.prepareDevs(4, 32);
});
afterEach(() => lab.cleanup());

const unchangedOnFailure = (code: number, ...args: string[]) => lab.failsUnchanged(code, ...args);

describe('vgcreate', () => {
  it('initialises plain devices, then creates the VG with seqno 1', async () => {
    const r = await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
    expect(r.stdout).toBe([
      '  Physical volume "/dev/loop0" successfully created.',
      '  Physical volume "/dev/loop1" successfully created.',
      '  Volume group "vg" successfully created',
    ].join('\n'));
    expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno,pv_count,vg_extent_count', 'vg')).stdout.trim().split(/\s+/))
      .toEqual(['1', '2', '14']);
  });

  it('refuses bad input with LVM2 messages and changes nothing', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    expect(await unchangedOnFailure(5, 'vgcreate', 'vg', '/dev/loop1')).toBe('  A volume group called vg already exists.');
    expect(await unchangedOnFailure(5, 'vgcreate', 'vg2', '/dev/loop0')).toContain("Physical volume '/dev/loop0' is already in volume group 'vg'");
    expect(await unchangedOnFailure(3, 'vgcreate', 'bad name', '/dev/loop1')).toContain('New volume group name "bad name" is invalid.');
    expect(await unchangedOnFailure(3, 'vgcreate', '-s', '0', 'vg2', '/dev/loop1')).toContain('Physical extent size may not be zero');
    expect(await unchangedOnFailure(5, 'vgcreate', '-s', '100k', 'vg2', '/dev/loop1'))
      .toBe('  Physical Extent size must be a multiple of 128.00 KiB when not a power of 2.');
    expect(await unchangedOnFailure(5, 'vgcreate', 'vg2', '/dev/loop1', '/dev/nosuch')).toBe('  No device found for /dev/nosuch.');
  });
});

describe('vgextend, vgreduce, vgrename, vgremove', () => {
  it('bumps the seqno per commit and archives each previous version', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    await lab.ok('vgextend', 'vg', '/dev/loop1', '/dev/loop2');
    await lab.ok('vgreduce', 'vg', '/dev/loop2');
    await lab.ok('vgrename', 'vg', 'vg9');
    expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno', 'vg9')).stdout.trim()).toBe('4');
    const db = new Database(join(lab.systemDir, 'tsvm.db'), { readonly: true });
    const hist = db.prepare('SELECT vg_name, seqno FROM vg_history ORDER BY id').all();
    db.close();
    expect(hist).toEqual([
      { vg_name: 'vg', seqno: 1 }, { vg_name: 'vg', seqno: 2 }, { vg_name: 'vg', seqno: 3 },
    ]);
  });

  it('keeps used PVs, refuses what LVM2 refuses, and changes nothing when it fails', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
    await lab.ok('lvcreate', '-an', '-l', '2', '-n', 'lv', 'vg', '/dev/loop0');
    expect(await unchangedOnFailure(5, 'vgreduce', 'vg', '/dev/loop0')).toBe('  Physical volume "/dev/loop0" still in use');
    expect(await unchangedOnFailure(5, 'vgrename', 'vg', 'vg')).toBe('  Old and new volume group names must differ');
    // As LVM2, vgextend initialises a plain device before it looks for the VG (checked with the oracle).
    const r = await lab.run('vgextend', 'nosuch', '/dev/loop2');
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([5, '  Physical volume "/dev/loop2" successfully created.',
      '  Volume group "nosuch" not found\n  Cannot process volume group nosuch']);
    expect(await unchangedOnFailure(5, 'vgextend', 'nosuch', '/dev/loop2')).toContain('Volume group "nosuch" not found');
    expect(await unchangedOnFailure(3, 'vgextend', 'vg')).toContain('No command with matching syntax recognised.');
    const prompt = await unchangedOnFailure(5, 'vgremove', 'vg');
    expect(prompt).toBe('Do you really want to remove volume group "vg" containing 1 logical volumes? [y/n]: [n]\n  Volume group "vg" not removed');
  });

  it('vgremove -f removes the LVs and leaves orphan PVs', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    await lab.ok('lvcreate', '-an', '-l', '2', '-n', 'lv', 'vg');
    const r = await lab.ok('vgremove', '-f', 'vg');
    expect(r.stdout).toBe('  Logical volume "lv" successfully removed.\n  Volume group "vg" successfully removed');
    expect((await lab.ok('pvs', '--noheadings', '-o', 'pv_name,vg_name,pv_attr')).stdout.trim().split(/\s+/))
      .toEqual(['/dev/loop0', '---']);
  });

  it('answers the vgremove prompt from stdin', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    await lab.ok('lvcreate', '-an', '-l', '2', '-n', 'lv', 'vg');
    const { execa } = await import('execa');
    const r = await execa((await import('./helpers/aux.js')).BIN, ['vgremove', 'vg'], { env: lab.env, input: 'y\n', reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Volume group "vg" successfully removed');
  });
});
