// The keys of LVs that show another UUID than their key (model/lv-id.ts: a copy's LVs beside their
// original after vgimportclone), kept beside the database in SYSTEM_DIR/lv-keys. LVM2 needs no such
// thing: it ids an LV by VG and LV UUID together. tsvm's runtime state outside SQLite (lost regions,
// heal, scrub, failed-leg and lastsync files, raid tracking) is named by the key, and a database
// rebuilt from the PVs' metadata (pvscan --cache, vgscan, store.replaceVg) must give each LV the key
// that state was written under. Without this file the VG the scan met first took the shared UUIDs as
// keys: a copy listed before its original took the original's state, and the original lost it.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VolumeGroup } from '../model/types.js';

const FILE = 'lv-keys';

/** Lines `VG-UUID SHOWN-UUID KEY`, the last line for a VG and UUID winning. */
function entries(systemDir: string): string[][] {
  let text: string;
  try {
    text = readFileSync(join(systemDir, FILE), 'latin1');
  } catch {
    return [];
  }
  return text.split('\n').map((l) => l.split(' ')).filter((f) => f.length === 3);
}

/** The keys recorded for the LVs of VG `vgUuid`, by the UUID they show. */
export function recordedLvKeys(systemDir: string, vgUuid: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [vg, shown, key] of entries(systemDir)) if (vg === vgUuid) keys.set(shown!, key!);
  return keys;
}

/** Records the key of each LV of `vg` that shows another UUID (what the file has already is not written again). */
export function recordLvKeys(systemDir: string, vg: VolumeGroup): void {
  const had = recordedLvKeys(systemDir, vg.uuid);
  let add = '';
  for (const lv of vg.lvs) {
    const shown = lv.shownUuid;
    if (shown !== undefined && had.get(shown) !== lv.uuid) add += `${vg.uuid} ${shown} ${lv.uuid}\n`;
  }
  if (add) appendFileSync(join(systemDir, FILE), add, { mode: 0o600 });
}
