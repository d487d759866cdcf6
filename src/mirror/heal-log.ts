// What checksum-verified reads found (src/checksum/guard.ts): a warning on stderr for each bad
// block, as the kernel logs "md/raid1: read error corrected", and running counts kept in
// $TSVM_SYSTEM_DIR/mirror/<lv-uuid>.heals.json for reports and tests.
import { mkdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HealEvent } from '../checksum/guard.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';

export interface HealCounts {
  /** Blocks read bad on some image and rewritten from a good copy. */
  healed: number;
  /** Blocks no image held correctly (their reads failed). */
  unrecoverable: number;
  /** The last few events, newest last. */
  last: Array<HealEvent & { time: string }>;
}

export function healPath(systemDir: string, lvUuid: string): string {
  return join(systemDir, 'mirror', `${lvUuid}.heals.json`);
}

export function loadHeals(systemDir: string, lvUuid: string): HealCounts {
  try {
    return JSON.parse(readFileSync(healPath(systemDir, lvUuid), 'utf8')) as HealCounts;
  } catch {
    return { healed: 0, unrecoverable: 0, last: [] };
  }
}

/** Called with the LV's I/O lock held (the guard's resolve), so counts do not race. */
export function noteHeal(systemDir: string, vg: VolumeGroup, lv: LogicalVolume, ev: HealEvent, blockBytes: number): void {
  const at = ev.block * blockBytes;
  const bad = ev.bad.map((n) => `${vg.name}/${n}`).join(', ');
  warn(ev.source
    ? `WARNING: ${vg.name}/${lv.name}: checksum mismatch at offset ${at} on ${bad}: rewritten from ${vg.name}/${ev.source}.`
    : `WARNING: ${vg.name}/${lv.name}: checksum mismatch at offset ${at} on every image: read failed (Input/output error).`);
  const c = loadHeals(systemDir, lv.uuid);
  if (ev.source) c.healed++;
  else c.unrecoverable++;
  c.last = [...c.last, { ...ev, time: new Date().toISOString() }].slice(-20);
  const f = healPath(systemDir, lv.uuid);
  mkdirSync(join(systemDir, 'mirror'), { recursive: true });
  writeFileSync(`${f}.tmp`, JSON.stringify(c));
  renameSync(`${f}.tmp`, f);
}

function warn(s: string): void {
  try {
    writeSync(2, `  ${s}\n`);
  } catch {
    /* stderr closed */
  }
}
