// Entry point of the background resync process (spawned detached by daemon.ts):
//   node dist/src/mirror/sync-main.js VG LV
// Errors go to $TSVM_SYSTEM_DIR/run/mirror-syncd.log; nothing is printed.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollMirror } from './poll.js';
import { runDir } from './state.js';

const [vgName, lvName] = process.argv.slice(2);
const systemDir = process.env.TSVM_SYSTEM_DIR;
if (!vgName || !lvName || !systemDir) process.exit(2);
pollMirror(systemDir, vgName, lvName, { interval: 0 }).catch((e: unknown) => {
  appendFileSync(join(runDir(systemDir), 'mirror-syncd.log'), `${new Date().toISOString()} ${vgName}/${lvName}: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 5;
});
