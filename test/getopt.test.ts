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

describe("LVM2's option table (args.h, command-lines.in)", () => {
  const parse = (cmd: string, argv: string[]) => new Args(cmd, getopt(cmd, argv, commandOptions(cmd)));

  it('drops hyphens inside long option names, up to "=" and not after "--"', () => {
    const a = parse('lvconvert', ['--use-policies', '--repair', '--regionsize=1-m'.replace('1-m', '1m'), 'vg/lv']);
    expect(a.has('usepolicies')).toBe(true);
    expect(parse('lvs', ['--', '--no-headings']).positionals).toEqual(['--no-headings']);
    expect(fails(() => parse('lvs', ['--no-such-thing'])).lines[0]).toBe("lvs: unrecognized option '--nosuchthing'");
  });

  it("takes LVM2's value synonyms and refuses what its parsers refuse", () => {
    expect(parse('lvchange', ['-aye', 'vg/lv']).str('activate')).toBe('ey');
    expect(parse('lvchange', ['--activate', 'ya', 'vg/lv']).str('activate')).toBe('ay');
    expect(parse('lvchange', ['-a', 'nl', 'vg/lv']).str('activate')).toBe('ln');
    expect(parse('lvchange', ['-p', 'wr', 'vg/lv']).str('permission')).toBe('rw');
    expect(parse('lvchange', ['--addtag', '@t1', 'vg/lv']).all('addtag')).toEqual(['t1']);
    expect(fails(() => parse('lvchange', ['-a', 'sn', 'vg/lv'])).lines).toEqual([
      'Invalid argument for --activate: sn', 'Error during parsing of command line.',
    ]);
    expect(fails(() => parse('pvcreate', ['--metadatacopies', '3', 'x'])).code).toBe(3);
    expect(parse('pvcreate', ['--metadatacopies', '2', 'x']).str('pvmetadatacopies')).toBe('2');
    expect(parse('vgcreate', ['--metadatacopies', 'all', 'vg', 'x']).str('vgmetadatacopies')).toBe('all');
    expect(fails(() => parse('lvconvert', ['-R', '3k', 'vg/lv'])).lines[0]).toBe(
      'Region size must be a multiple of machine memory page size (4096 bytes).');
  });

  it('gives each command its own short letters and value types', () => {
    expect(parse('lvextend', ['-r', '-L', '+1g', 'vg/lv']).has('resizefs')).toBe(true);
    expect(parse('lvchange', ['-r', '256', 'vg/lv']).str('readahead')).toBe('256');
    expect(parse('lvconvert', ['-i', '5', 'vg/lv']).int('interval')).toBe(5);
    expect(parse('lvcreate', ['-i', '2', '-L', '1g', 'vg']).int('stripes')).toBe(2);
    expect(fails(() => parse('lvreduce', ['-L', '+1g', 'vg/lv'])).lines[0]).toBe('Size may not be positive.');
    expect(fails(() => parse('lvcreate', ['-m', '-1', 'vg'])).lines[0]).toBe('Number may not be negative.');
    expect(parse('lvconvert', ['-m', '-1', 'vg/lv']).str('mirrors')).toBe('-1');
  });

  it('refuses a repeated option unless LVM2 counts or groups it, and a synonym given twice', () => {
    expect(fails(() => parse('lvcreate', ['-n', 'a', '-n', 'b', 'vg'])).lines[0]).toBe('Option -n/--name may not be repeated.');
    expect(parse('lvs', ['-o', 'lv_name', '-o', '+lv_size']).all('options')).toEqual(['lv_name', '+lv_size']);
    expect(parse('lvremove', ['-ff', 'vg']).count('force')).toBe(2);
    expect(fails(() => parse('vgchange', ['--resizable', 'y', '-x', 'y', 'vg'])).lines[0]).toBe(
      '--resizable and --resizeable are synonyms.  Please only supply one.');
    expect(parse('vgchange', ['--resizable', 'n', 'vg']).str('resizeable')).toBe('n');
  });
});
