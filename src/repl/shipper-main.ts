// Entry point of the shipper (shipper.ts), started detached by shipper-control.ts:
//   node dist/src/repl/shipper-main.js   with TSVM_SYSTEM_DIR in its environment.
// The mirror engine is loaded up front: a member LV may be a mirror.
import '../mirror/register.js';
import { defaultSystemDir } from '../cli/context.js';
import { Shipper } from './shipper.js';

const shipper = new Shipper(defaultSystemDir(process.env));
shipper.start().then((mine) => {
  if (!mine) process.exit(0);
}, (e: Error) => {
  process.stderr.write(`tsvm shipper: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
