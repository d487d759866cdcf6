// Command-line parsing with getopt_long's rules and LVM2's messages (tools/lvmcmdline.c).
import { describe, expect, it } from 'vitest';
import { getopt } from '../src/cli/getopt.js';
import { Args } from '../src/cli/args.js';
import { LvmError } from '../src/cli/errors.js';
import { commandOptions } from '../src/cli/options.js';

const LVC = commandOptions('lvcreate');

function fails(fn: () => unknown): { code: number; lines: string[] } {
  try {
    fn();
  } catch (e) {
    if (e instanceof LvmError) return { code: e.exitCode, lines: e.lines };
    throw e;
  }
  throw new Error('did not fail');
}

describe('getopt', () => {
  it('permutes options and positionals, clusters short flags, takes attached values', () => {
    const p = getopt('lvcreate', ['vg', '-L10G', '-n', 'lv', '-qy', '/dev/sdb'], LVC);
    expect(p.positionals).toEqual(['vg', '/dev/sdb']);
    expect(p.values.get('size')).toEqual(['10G']);
    expect(p.values.get('name')).toEqual(['lv']);
    expect(p.values.get('quiet')).toEqual(['']);
    expect(p.values.get('yes')).toEqual(['']);
  });

  it('takes an option argument verbatim even when it starts with "-"', () => {
    expect(getopt('lvconvert', ['-m', '-1', 'vg/lv'], commandOptions('lvconvert')).values.get('mirrors')).toEqual(['-1']);
  });

  it('accepts --opt=value and unambiguous prefixes', () => {
    const p = getopt('lvcreate', ['--size=4m', '--na', 'x', '--ty', 'mirror'], LVC);
    expect(p.values.get('size')).toEqual(['4m']);
    expect(p.values.get('name')).toEqual(['x']);
    expect(p.values.get('type')).toEqual(['mirror']);
  });

  it('stops at --', () => {
    expect(getopt('lvs', ['--', '-x'], LVC).positionals).toEqual(['-x']);
  });

  it('reports unknown options like glibc then LVM2, exit 3', () => {
    expect(fails(() => getopt('lvs', ['--bogusopt'], LVC))).toEqual({
      code: 3, lines: ["lvs: unrecognized option '--bogusopt'", 'Error during parsing of command line.'],
    });
    expect(fails(() => getopt('lvs', ['-Q'], LVC)).lines[0]).toBe("lvs: invalid option -- 'Q'");
    expect(fails(() => getopt('lvcreate', ['-L'], LVC)).lines[0]).toBe("lvcreate: option requires an argument -- 'L'");
  });
});

describe('Args value checks', () => {
  const args = (argv: string[], cmd = 'lvcreate') => new Args(cmd, getopt(cmd, argv, commandOptions(cmd)));

  it('parses sizes and extents', () => {
    expect(args(['-L', '+4m']).size('size')).toEqual({ sign: '+', sectors: 8192 });
    expect(args(['-l', '50%VG']).extents('extents')).toEqual({ sign: '', value: 50, percent: 'VG' });
    expect(args(['-l', '10%FR']).extents('extents')).toEqual({ sign: '', value: 10, percent: 'FREE' });
    expect(args(['-l', '-2'], 'lvresize').extents('extents')).toEqual({ sign: '-', value: 2 });
  });

  it('gives LVM2 parse errors in LVM2 words', () => {
    expect(fails(() => args(['-L', '5x'])).lines).toEqual([
      "Can't parse size argument.", 'Invalid argument for --size: 5x', 'Error during parsing of command line.',
    ]);
    expect(fails(() => args(['-L', '-4m'])).lines[0]).toBe('Size may not be negative.');
    expect(fails(() => args(['-L', ''])).lines[0]).toBe('Size requires number argument.');
    expect(fails(() => args(['-l', '10%FOO'])).lines[0]).toBe('Specified %FOO is unknown.');
    expect(fails(() => args(['-l', '-1'])).lines[0]).toBe('Extents may not be negative.');
    expect(fails(() => args(['--alloc', 'bogus'])).lines).toEqual([
      'Unrecognised allocation policy bogus', 'Invalid argument for --alloc: bogus', 'Error during parsing of command line.',
    ]);
    expect(fails(() => args(['-i', 'x'])).code).toBe(3);
  });
});
