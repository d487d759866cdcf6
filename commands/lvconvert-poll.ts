// The waiting part of lvconvert (LVM2 polldaemon): progress lines every --interval seconds, a
// progress bar on a terminal's stderr (src/cli/progress.ts), or a detached background process with --background; and
// `lvconvert LV` alone, which resumes or watches a conversion in progress.
import type { Args } from '../src/cli/args.js';
import type { Context } from '../src/cli/context.js';
import type { LoadedVg } from '../src/store/metadata-store.js';
import type { LogicalVolume } from '../src/model/types.js';
import { isMirrorLike } from '../src/model/vg-query.js';
import { vgLockName } from '../src/store/locks.js';
import { pollMirror } from '../src/mirror/poll.js';
import { spawnSyncer } from '../src/mirror/daemon.js';
import { tmpLayer } from '../src/mirror/layout.js';
import { progressBar } from '../src/cli/progress.js';

export interface ConvertCall {
  ctx: Context;
  args: Args;
  loaded: LoadedVg;
  lv: LogicalVolume;
  pvArgs: string[];
  interval: number;
}

/** After a committed conversion: wait for the copy (foreground), or hand it to a background process. */
export async function waitForSync(c: ConvertCall, vgName: string, lvName: string): Promise<void> {
  const { ctx } = c;
  ctx.locks.unlock(vgLockName(vgName));
  if (c.args.has('background')) {
    spawnSyncer(ctx.systemDir, vgName, lvName);
    return;
  }
  const bar = progressBar(ctx);
  try {
    await pollMirror(ctx.systemDir, vgName, lvName, {
      interval: c.interval,
      print: (line) => {
        bar?.clear();
        ctx.out.print(line);
        ctx.out.flushOut();
      },
      bar: bar?.draw,
    });
  } finally {
    bar?.done();
  }
}

/** `lvconvert vg/lv`: continue (or watch) the sync of a mirror; nothing to do otherwise. */
export async function pollOnly(c: ConvertCall): Promise<number> {
  const { ctx, loaded, lv } = c;
  if (!isMirrorLike(lv)) return 0;
  if (!lv.active) {
    ctx.out.print(`${loaded.vg.name}/${lv.name}: Skipping inactive LV. Try lvchange or vgchange.`);
    return 0;
  }
  if (lv.flags.includes('NOTSYNCED') && !tmpLayer(loaded.vg, lv)) return 0;
  await waitForSync(c, loaded.vg.name, lv.name);
  return 0;
}
