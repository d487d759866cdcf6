// A source workload for the replication tests (run as its own process so that it can be killed -9):
// dependent writes across two LVs of one replication group, through the built library as `tsvm dd`
// and the NBD daemon write: record N (512 bytes) at N*512 on LV A, then, once that write returned,
// marker N at N*512 on LV B and the commit pointer (N) at offset 0 of LV B. Every few writes a
// flush (a barrier; on LV A a durable write, write and flush in one request). It loads its
// modules, says "ready", then waits for a line "FIRST LAST" on stdin (a standby that starts
// writing at once when the previous workload was killed).
// With REC_SIZE (bytes) and REC_SLOTS, records are REC_SIZE long and record N goes to slot
// N % REC_SLOTS: large writes (journaled by reference, src/repl) that overwrite each other.
// Usage: node repl-workload.mjs VG LVA LVB [PAUSE_MS [REC_SIZE REC_SLOTS]]
import { createInterface } from 'node:readline';
import { openDb } from '../../dist/src/store/db.js';
import { MetadataStore } from '../../dist/src/store/metadata-store.js';
import { DevicePool } from '../../dist/src/device/device-pool.js';
import { openLvAsync } from '../../dist/src/lv-io/open-lv.js';
import '../../dist/src/repl/register.js';
import '../../dist/src/mirror/register.js';

const [vgName, lvA, lvB, pause, recArg, slotArg] = process.argv.slice(2);
const recSize = Number(recArg ?? 512);
const recSlots = Number(slotArg ?? 0);
const systemDir = process.env.TSVM_SYSTEM_DIR;

function block(kind, n, size = 512) {
  const buf = Buffer.alloc(size);
  buf.write(kind, 0, 'latin1');
  buf.writeUInt32LE(n, 4);
  for (let i = 8; i < size; i++) buf[i] = (n * 31 + i) & 0xff;
  return buf;
}

process.stdout.write('ready\n');
const rl = createInterface({ input: process.stdin });
const line = await new Promise((resolve) => rl.once('line', resolve));
rl.close();
const [first, last] = line.split(' ').map(Number);
const vg = new MetadataStore(openDb(systemDir)).loadVg(vgName).vg;
const env = { devices: new DevicePool(systemDir), systemDir };
const a = await openLvAsync(env, vg, vg.lvs.find((l) => l.name === lvA), { writable: true });
const b = await openLvAsync(env, vg, vg.lvs.find((l) => l.name === lvB), { writable: true });
const nap = new Int32Array(new SharedArrayBuffer(4));
for (let n = first; n <= last; n++) {
  const rec = block('REC', n, recSize);
  const at = (recSlots ? n % recSlots : n) * recSize;
  // Every third record is flushed: as one durable write where the LV offers it (dd oflag=sync's
  // path: a replicated LV journals the write and its barrier in one step), else write then flush.
  if (n % 3 === 0 && a.writeAtDurable) a.writeAtDurable(rec, at);
  else {
    a.writeAt(rec, at);
    if (n % 3 === 0) a.flush();
  }
  b.writeAt(block('MRK', n), n * 512);
  b.writeAt(block('CMT', n), 0);
  if (n % 4 === 0) b.flush();
  if (pause) Atomics.wait(nap, 0, 0, Number(pause));
}
a.flush();
b.flush();
a.close();
b.close();
process.stdout.write('done\n');
