// Entry point of the serving daemon (daemon.ts), started detached by control.ts:
//   node dist/src/nbd/daemon-main.js
// with TSVM_SYSTEM_DIR (and TSVM_DEV_DIR, where the /dev/VG/LV links go) in its environment.
// The mirror engine is loaded up front: every export may be, or become, a mirror.
import '../mirror/register.js';
import '../repl/register.js';
import { defaultSystemDir } from '../cli/context.js';
import { NbdDaemon } from './daemon.js';

const systemDir = defaultSystemDir(process.env);
const daemon = new NbdDaemon(systemDir, process.env.TSVM_DEV_DIR || '/dev');
daemon.start().then((mine) => {
  if (!mine) process.exit(0);
}, (e: Error) => {
  process.stderr.write(`tsvm nbd daemon: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
