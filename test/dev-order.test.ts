// Device names sort as Intl's numeric collation sorted them (what tsvm used before, at ~30 ms of
// ICU start-up per command), without loading ICU (model/dev-order.ts).
import { describe, expect, it, vi } from 'vitest';
import { devNameOrder } from '../src/model/dev-order.js';
import { deviceOrder } from '../src/format-text/label-scan.js';

describe('devNameOrder', () => {
  it('orders device names as the numeric collation does', () => {
    const names = ['/dev/loop10', '/dev/loop2', '/dev/loop1', '/dev/sdb', '/dev/sdc', '/dev/sdaa', '/dev/sda', '/dev/nvme0n1', '/dev/nvme0n10',
      '/dev/nvme0n2', '/dev/nvme1n1', '/dev/loop0', '/dev/mapper/x', '/dev/vdb', '/dev/xvda1', '/dev/xvda10', '/dev/xvda2', '/dev/loop01',
      '/dev/sdb1', '/dev/sdb12', '/dev/sdb2', '/dev/disk9', '/dev/disk', '/dev/disk10'];
    const collator = new Intl.Collator('en', { numeric: true });
    expect([...names].sort(devNameOrder)).toEqual([...names].sort(collator.compare));
    expect(devNameOrder('/dev/loop2', '/dev/loop10')).toBeLessThan(0);
    expect(devNameOrder('/dev/sdb', '/dev/sdb')).toBe(0);
  });
});

describe('deviceOrder (the label scan, pvs of orphans)', () => {
  it('orders by devNameOrder, without Intl', () => {
    const spy = vi.spyOn(String.prototype, 'localeCompare');
    try {
      const devs = ['/dev/loop10', '/dev/loop2', '/dev/sdb', '/dev/loop1'].map((name) => ({ name }));
      expect(devs.sort(deviceOrder).map((d) => d.name)).toEqual(['/dev/loop1', '/dev/loop2', '/dev/loop10', '/dev/sdb']);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
