// The command line as LVM2 records it in metadata descriptions (src/cli/cmd-line.ts). The first
// two cases are what LVM2 2.03.16 wrote for these command lines (the oracle, less the
// `--driverloaded n` it adds): a metadata area's "Write from ..." and a vgcfgbackup -f file.
// The recorded transcript fixtures/golden/51-cmdline-description pins the same format end to end.
import { describe, expect, it } from 'vitest';
import { lvm2CmdLine } from '../src/cli/cmd-line.js';

describe('lvm2CmdLine', () => {
  it('drops the hyphens inside long option names and quotes arguments with a space', () => {
    expect(lvm2CmdLine('lvcreate', ['-an', '-Zn', '-L', '4m', '-n', 'x', '--add-tag', 't1', '--config', 'global { units = "m" }', 'vg']))
      .toBe('lvcreate -an -Zn -L 4m -n x --addtag t1 --config \'global { units = "m" }\' vg');
    expect(lvm2CmdLine('vgcfgbackup', ['-f', '/tmp/cmd line.vg', '--ignore-locking-failure', 'vg']))
      .toBe("vgcfgbackup -f '/tmp/cmd line.vg' --ignorelockingfailure vg");
  });

  it('keeps the hyphens after an = and everything after a bare --', () => {
    expect(lvm2CmdLine('lvcreate', ['--add-tag=a-b', '-n', 'x-y', '--', '--not-an-option'])).toBe('lvcreate --addtag=a-b -n x-y -- --not-an-option');
    expect(lvm2CmdLine('lvs', [])).toBe('lvs');
  });
});
