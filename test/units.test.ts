// Size printing (dm_size_to_string) and size argument parsing (_size_arg), against values seen in
// LVM2 2.03.16 output (fixtures/golden, research notes 3.1).
import { describe, expect, it } from 'vitest';
import { displaySize, formatSize, parseSizeArg, SizeParseError } from '../src/model/units.js';

const MiB = 2048; // sectors
const u = (type: string, nosuffix = false) => ({ type, nosuffix });

describe('formatSize', () => {
  it('prints 4 MiB in every unit as LVM2 does', () => {
    expect(formatSize(4 * MiB, u('h'))).toBe('4.00m');
    expect(formatSize(4 * MiB, u('H'))).toBe('4.19M');
    expect(formatSize(4 * MiB, u('b'))).toBe('4194304B');
    expect(formatSize(4 * MiB, u('s'))).toBe('8192S');
    expect(formatSize(4 * MiB, u('k'))).toBe('4096.00k');
    expect(formatSize(4 * MiB, u('K'))).toBe('4194.30K');
    expect(formatSize(4 * MiB, u('g'))).toBe('0.00g');
    expect(formatSize(4 * MiB, u('t'))).toBe('0.00t');
  });

  it('prints zero as "0 " in human units and with the unit otherwise', () => {
    expect(formatSize(0, u('r'))).toBe('0 ');
    expect(formatSize(0, u('h'))).toBe('0 ');
    expect(formatSize(0, u('m'))).toBe('0m');
    expect(formatSize(0, u('m', true))).toBe('0');
  });

  it('marks rounding up with "<" only in r/R units', () => {
    // a 20 GiB image minus pe_start holds 5119 extents of 4 MiB: 19.996 GiB
    expect(formatSize(5119 * 4 * MiB, u('r'))).toBe('<20.00g');
    expect(formatSize(5119 * 4 * MiB, u('h'))).toBe('20.00g');
    expect(formatSize(96 * MiB, u('r'))).toBe('96.00m');
  });

  it('drops the suffix with --nosuffix for fixed units', () => {
    expect(formatSize(100 * MiB, u('b', true))).toBe('104857600');
    expect(formatSize(96 * MiB, u('k', true))).toBe('98304.00');
  });

  it('rounds exact binary ties to even like printf', () => {
    // 1.125 GiB prints 1.12g in LVM2 (glibc), not 1.13g
    expect(formatSize(1152 * MiB, u('h'))).toBe('1.12g');
    expect(formatSize(1160 * MiB, u('h'))).toBe('1.13g');
  });

  it('uses the long forms in messages', () => {
    expect(displaySize(120 * MiB)).toBe('120.00 MiB');
    expect(displaySize(12 * MiB)).toBe('12.00 MiB');
  });
});

describe('parseSizeArg', () => {
  it('defaults to the given unit and accepts every suffix, case-insensitively', () => {
    expect(parseSizeArg('10', 'm')).toEqual({ sign: '', sectors: 10 * MiB });
    expect(parseSizeArg('1G', 'm')).toEqual({ sign: '', sectors: 1024 * MiB });
    expect(parseSizeArg('1.5m', 'm')).toEqual({ sign: '', sectors: 3072 });
    expect(parseSizeArg('8192s', 'm')).toEqual({ sign: '', sectors: 8192 });
    expect(parseSizeArg('512b', 'm')).toEqual({ sign: '', sectors: 1 });
    expect(parseSizeArg('+4m', 'm')).toEqual({ sign: '+', sectors: 4 * MiB });
    expect(parseSizeArg('-4m', 'm')).toEqual({ sign: '-', sectors: 4 * MiB });
    expect(parseSizeArg('64', 'k')).toEqual({ sign: '', sectors: 128 });
  });

  it('refuses what LVM2 refuses', () => {
    expect(parseSizeArg('5x', 'm')).toBeNull();
    // strtod parsed nothing: LVM2 names the character (_size_arg)
    expect(() => parseSizeArg('m', 'm')).toThrow("Can't parse size argument at 'm'.");
    expect(() => parseSizeArg('..1', 'm')).toThrow("Can't parse size argument at '.'.");
    expect(parseSizeArg('.1', 'm')).toEqual({ sign: '', sectors: 204 });
    expect(() => parseSizeArg('1000b', 'm')).toThrow(SizeParseError);
    try {
      parseSizeArg('1000b', 'm');
    } catch (e) {
      expect((e as SizeParseError).lines).toEqual(['Size is not a multiple of 512. Try using 512 or 1024.']);
    }
  });
});
