// The label scan's reads of a text its caller already has (format-text/scan.ts, scanDevice's
// `known`: the VG's own checksum, each line of the lvm shell): such a text is read into one buffer
// kept from scan to scan, checked against its CRC, and read again from the device if asked for.
// What the scan gives is the same as without `known`, whatever was scanned since.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { scanDevice } from '../src/format-text/scan.js';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-scantext-');
  lab.prepareDevs(2, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
  await lab.ok('vgcreate', 'other', '/dev/loop1');
});
afterEach(() => lab.cleanup());

const path = (dev: string) => join(lab.devDir, dev);
const plain = (dev: string) => scanDevice(`/dev/${dev}`, path(dev))!.mdas[0]!;
const withKnown = (dev: string) => scanDevice(`/dev/${dev}`, path(dev), plain(dev).locn!.checksum)!.mdas[0]!;

describe('label scan of texts the caller has', () => {
  it('gives each text as a plain scan does, after other texts were scanned', () => {
    const a = withKnown('loop0');
    const b = withKnown('loop1');
    const want = plain('loop0');
    expect(a.text).toContain('vg {');
    expect(a.text).toBe(want.text);
    expect(b.text).toBe(plain('loop1').text);
    expect({ ...a, text: null }).toEqual({ ...want, text: null });
  });

  it('a damaged text gets the same warnings as in a plain scan', () => {
    const locn = plain('loop0').locn!;
    const fd = openSync(path('loop0'), 'r+');
    writeSync(fd, Buffer.from('#'), 0, 1, 4096 + locn.offset + 10);
    closeSync(fd);
    const a = withKnown('loop0');
    withKnown('loop1');
    const want = plain('loop0');
    expect(want.warnings.some((w) => w.includes('Checksum error'))).toBe(true);
    expect(a.warnings).toEqual(want.warnings);
    expect(a.readWarnings!('vg')).toEqual(want.readWarnings!('vg'));
    expect(a.text).toEqual(want.text);
  });
});
