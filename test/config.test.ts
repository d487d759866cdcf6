// lvm.conf syntax: nested sections, "section/key = value" shorthand, lists, comments.
import { describe, expect, it } from 'vitest';
import { Config } from '../src/model/config.js';

describe('Config', () => {
  it('reads sections, shorthand keys, strings, numbers and lists', () => {
    const c = new Config();
    c.merge(`
      # a comment
      activation {
        mirror_image_fault_policy = "allocate"
        raid_region_size = 512
      }
      allocation/mirror_logs_require_separate_pvs = 1
      devices { filter = [ "a|loop|", "r|.*|" ] }
    `);
    expect(c.str('activation/mirror_image_fault_policy', 'remove')).toBe('allocate');
    expect(c.num('activation/raid_region_size', 2048)).toBe(512);
    expect(c.bool('allocation/mirror_logs_require_separate_pvs', false)).toBe(true);
    expect(c.get('devices/filter')).toEqual(['a|loop|', 'r|.*|']);
    expect(c.str('report/nothing', 'dflt')).toBe('dflt');
  });

  it('lets a later merge (--config) win', () => {
    const c = new Config();
    c.merge('report { mark_hidden_devices = 1 }');
    c.merge('report/mark_hidden_devices=0');
    expect(c.bool('report/mark_hidden_devices', true)).toBe(false);
  });

  it('throws on syntax errors', () => {
    expect(() => new Config().merge('activation { = 1 }')).toThrow();
  });
});
