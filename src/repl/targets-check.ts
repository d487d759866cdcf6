// Replica targets as the user names them: an NBD URI (nbd://host:port/export,
// nbd+unix:///export?socket=PATH) or VG/LV, an LV of this system dir served by its NBD daemon.
// Checked before anything changes: reachable, writable, at least as big as the member.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { parseLvName } from '../cli/toollib.js';
import { vgSocketPath } from '../nbd/run-dir.js';
import { parseNbdUri, unixUri } from '../nbd/uri.js';
import type { Member } from './config.js';
import { openTarget } from './target.js';

export function resolveTarget(ctx: Context, text: string): string {
  if (/^nbd(\+unix)?:\/\//.test(text)) {
    try {
      parseNbdUri(text);
    } catch (e) {
      throw new CommandFailed((e as Error).message);
    }
    return text;
  }
  const n = parseLvName(ctx, text);
  if (!n) throw new CommandFailed(`Invalid replica target ${text}: give an NBD URI or VG/LV.`);
  return unixUri(vgSocketPath(ctx.systemDir, n.vg), `${n.vg}/${n.lv}`);
}

export async function checkTargets(ctx: Context, members: Member[], targets: string[]): Promise<void> {
  for (const [i, uri] of targets.entries()) {
    const m = members[i]!;
    const self = unixUri(vgSocketPath(ctx.systemDir, m.vgName), `${m.vgName}/${m.lvName}`);
    if (uri === self) throw new CommandFailed(`Replica target ${uri} is logical volume ${m.vgName}/${m.lvName} itself.`);
    if (targets.indexOf(uri) !== i) throw new CommandFailed(`Replica target ${uri} is given twice.`);
    let c;
    try {
      c = await openTarget(uri, m.size);
    } catch (e) {
      throw new CommandFailed((e as Error).message, `Cannot replicate ${m.vgName}/${m.lvName}.`);
    }
    await c.disconnect().catch(() => undefined);
  }
}
