// Entry point of a background raid1 scrub (spawned detached by scrub-daemon.ts, as the kernel runs
// dm-raid's check/repair after LVM2 sends the message):
//   node dist/src/raid/scrub-main.js VG LV check|repair [resume]
// Errors go to $TSVM_SYSTEM_DIR/run/raid-scrub.log; nothing is printed.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from '../mirror/state.js';
import { runScrub } from './scrub-run.js';

const [vgName, lvName, action, resume] = process.argv.slice(2);
const systemDir = process.env.TSVM_SYSTEM_DIR;
if (!vgName || !lvName || !systemDir || (action !== 'check' && action !== 'repair')) process.exit(2);
runScrub(systemDir, vgName, lvName, action, resume === 'resume').catch((e: unknown) => {
  appendFileSync(join(runDir(systemDir), 'raid-scrub.log'), `${new Date().toISOString()} ${vgName}/${lvName}: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 5;
});
