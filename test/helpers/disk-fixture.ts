// PV images rebuilt from what scripts/capture-metadata.py copied out of them: the label sector,
// each metadata area's header and its committed text, put back at the same offsets of a sparse
// image (the rest of the image, data included, stays zero).
import { closeSync, openSync, writeSync } from 'node:fs';
import { expect } from 'vitest';

export interface DiskFixture {
  size: number;
  labelSector: number;
  label: string;
  mdas: { start: number; header: string; text: string }[];
}

/** Put the recorded bytes back: the label sector, each area's header and its text where the header says. */
export function writeDiskMetadata(file: string, d: DiskFixture): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from(d.label, 'base64'), 0, 512, d.labelSector * 512);
    for (const m of d.mdas) {
      const hdr = Buffer.from(m.header, 'base64');
      writeSync(fd, hdr, 0, 512, m.start);
      const off = Number(hdr.readBigUInt64LE(40));
      const size = Number(hdr.readBigUInt64LE(56 - 8));
      const areaSize = Number(hdr.readBigUInt64LE(32));
      if (!off) continue;
      const text = Buffer.concat([Buffer.from(m.text, 'utf8'), Buffer.alloc(1)]);
      expect(text.length).toBe(size);
      const first = Math.min(size, areaSize - off);
      writeSync(fd, text, 0, first, m.start + off);
      if (first < size) writeSync(fd, text, first, size - first, m.start + 512);
    }
  } finally {
    closeSync(fd);
  }
}
