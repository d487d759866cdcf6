// Entry point of the background pvmove (spawned detached by daemon.ts):
//   node dist/src/pvmove/move-main.js VG LV UUID PV
// Errors go to $TSVM_SYSTEM_DIR/run/pvmoved.log; nothing is printed.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from '../mirror/state.js';
import { pollPvmove } from './move.js';

const [vgName, lvName, uuid, pvName] = process.argv.slice(2);
const systemDir = process.env.TSVM_SYSTEM_DIR;
if (!vgName || !lvName || !uuid || !pvName || !systemDir) process.exit(2);
const log = (line: string) => appendFileSync(join(runDir(systemDir), 'pvmoved.log'), `${new Date().toISOString()} ${vgName}/${lvName}: ${line}\n`);
pollPvmove(systemDir, { vgName, lvName, uuid, pvName }, { interval: 0, print: () => undefined, error: log })
  .then((rc) => {
    process.exitCode = rc;
  })
  .catch((e: unknown) => {
    log((e as Error).stack ?? String(e));
    process.exitCode = 5;
  });
