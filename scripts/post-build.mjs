// After tsc: the help texts, the start-up snapshot (build-snapshot.mjs) and the `tsvm` launcher
// (launcher.mjs). If the snapshot cannot be made or does not behave as the plain build, tsvm runs
// the plain build: nothing breaks, it is only slower to start. TSVM_NO_SNAPSHOT=1 skips it.
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BLOB, buildSnapshot } from './build-snapshot.mjs';
import { installLauncher } from './launcher.mjs';

const dist = new URL('../dist/', import.meta.url);
chmodSync(new URL('src/main.js', dist), 0o755);
// Help texts are data, read only by --help: copy them beside the compiled commands.
cpSync(new URL('../commands/help', import.meta.url), new URL('commands/help', dist), { recursive: true });

let blob = null;
if (process.env.TSVM_NO_SNAPSHOT) {
  console.error('post-build: TSVM_NO_SNAPSHOT set: no start-up snapshot');
  rmSync(BLOB, { force: true });
} else {
  try {
    blob = await buildSnapshot();
  } catch (e) {
    console.error(`post-build: no start-up snapshot (${e.message.trim()})`);
  }
}
if (installLauncher(fileURLToPath(new URL('tsvm', dist)), blob) !== 'snapshot') console.error('post-build: dist/tsvm runs the plain build');
