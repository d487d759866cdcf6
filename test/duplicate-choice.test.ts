// LVM2's choice among devices carrying the same PV UUID (lib/cache/lvmcache.c _choose_duplicates):
// the rules the metadata-only oracle cannot show (an LV using a device, a device of the wrong
// size) and the order of its warnings. Golden 18-duplicate-pvs covers the names and the rest.
import { describe, expect, it } from 'vitest';
import { chooseDuplicates, type ChoiceFacts, type LabelledDevice } from '../src/format-text/duplicate-choice.js';

const MiB = 1024 * 1024;
const dev = (n: number, uuid: string, size = 100 * MiB): LabelledDevice => ({ name: `/dev/loop${n}`, path: `/d/loop${n}`, uuid, size });
const facts = (summaries: Record<string, { size: number; hint: string }>, usedByLv: string[] = []): ChoiceFacts => ({
  summary: (u) => summaries[u] ?? null,
  usedByLv: (d) => usedByLv.includes(d.name),
});

describe('duplicate PVs: the preferred device', () => {
  it('keeps the device named in the metadata, and says so', () => {
    const c = chooseDuplicates([dev(0, 'A'), dev(2, 'A')], facts({ A: { size: 100 * MiB, hint: '/dev/loop2' } }));
    expect(c.chosen.get('A')!.name).toBe('/dev/loop2');
    expect(c.unused.map((d) => d.name)).toEqual(['/dev/loop0']);
    expect(c.warnings).toEqual(['WARNING: Not using device /dev/loop0 for PV A.', 'WARNING: PV A prefers device /dev/loop2 because device name matches previous.']);
  });

  it('prefers the device an active LV uses over the name and the size', () => {
    const c = chooseDuplicates([dev(0, 'A'), dev(2, 'A', 50 * MiB)], facts({ A: { size: 100 * MiB, hint: '/dev/loop0' } }, ['/dev/loop2']));
    expect(c.chosen.get('A')!.name).toBe('/dev/loop2');
    expect(c.warnings[1]).toBe('WARNING: PV A prefers device /dev/loop2 because device is used by LV.');
  });

  it('prefers the device whose size the metadata records over the name', () => {
    const c = chooseDuplicates([dev(0, 'A', 50 * MiB), dev(2, 'A')], facts({ A: { size: 100 * MiB, hint: '/dev/loop0' } }));
    expect(c.chosen.get('A')!.name).toBe('/dev/loop2');
    expect(c.warnings[1]).toBe('WARNING: PV A prefers device /dev/loop2 because device size is correct.');
  });

  it('takes the device seen first when nothing tells them apart', () => {
    const c = chooseDuplicates([dev(3, 'B'), dev(4, 'B')], facts({}));
    expect(c.chosen.get('B')!.name).toBe('/dev/loop3');
    expect(c.warnings).toEqual(['WARNING: Not using device /dev/loop4 for PV B.', 'WARNING: PV B prefers device /dev/loop3 because device was seen first.']);
  });

  it('carries the previous name comparison over to a PV without a device hint (2.03.16)', () => {
    const c = chooseDuplicates([dev(0, 'A'), dev(2, 'A'), dev(3, 'B'), dev(4, 'B')], facts({ A: { size: 100 * MiB, hint: '/dev/loop2' } }));
    expect(c.chosen.get('B')!.name).toBe('/dev/loop4');
    // devices left in place first, the replaced ones (loop0, loop3) after, in the order of their PVs
    expect(c.unused.map((d) => d.name)).toEqual(['/dev/loop0', '/dev/loop3']);
    expect(c.warnings.slice(2)).toEqual([
      'WARNING: PV A prefers device /dev/loop2 because device name matches previous.',
      'WARNING: PV B prefers device /dev/loop4 because device name matches previous.',
    ]);
  });

  it('lists the devices it keeps away from before those it replaced', () => {
    const c = chooseDuplicates([dev(0, 'A'), dev(1, 'B'), dev(2, 'A'), dev(3, 'B')],
      facts({ A: { size: 100 * MiB, hint: '/dev/loop2' }, B: { size: 100 * MiB, hint: '/dev/loop1' } }));
    expect(c.unused.map((d) => d.name)).toEqual(['/dev/loop3', '/dev/loop0']);
  });

  it('finds no duplicates among distinct labels', () => {
    const c = chooseDuplicates([dev(0, 'A'), dev(1, 'B')], facts({}));
    expect(c.unused).toEqual([]);
    expect(c.warnings).toEqual([]);
  });
});
