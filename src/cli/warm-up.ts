// The warm-up of the start-up snapshot (src/snapshot.ts, scripts/build-snapshot.mjs): while the
// snapshot is built, the report commands run once on a small VG that build-snapshot.mjs made with
// the plain build, so that the functions a report calls are compiled in the snapshot. V8 compiles a
// function on its first call (parsing its source out of the bundle); in a fresh process that was
// ~10% of `lvs` at 1,000 LVs, paid again by every command. The snapshot keeps the bytecode.
// Reports read the read cache and the devices' labels and mda headers, never SQLite (whose native
// addon cannot be in a snapshot): a command that opens the database fails the warm-up.
import { runCommand } from './run-command.js';
import { Output } from './output.js';

/** The command lines run, on the VG `warm` (lv1, linear) of the system and device folders given. */
export const WARM_UP_COMMANDS: string[][] = [
  ['lvs'],
  ['lvs', '-a', '-o', '+devices'],
  ['vgs'],
  ['pvs'],
];

/** Output kept in memory: the warm-up checks it and prints nothing. */
class KeptOutput extends Output {
  text = '';
  errText = '';
  protected override write(fd: 1 | 2, text: string): void {
    if (fd === 1) this.text += text;
    else this.errText += text;
  }
}

/** Run the warm-up commands; throws when one fails or does not list the VG (the snapshot is then made without). */
export async function warmUp(systemDir: string, devDir: string): Promise<void> {
  const env = { TSVM_SYSTEM_DIR: systemDir, TSVM_DEV_DIR: devDir };
  const openDb = (): never => {
    throw new Error('the warm-up opened the database');
  };
  for (const args of WARM_UP_COMMANDS) {
    const out = new KeptOutput();
    const code = await runCommand(args[0]!, args.slice(1), out, env, { openDb });
    if (code !== 0 || out.errText || !/\bwarm\b/.test(out.text)) {
      throw new Error(`warm-up: \`${args.join(' ')}\` exited ${code}: ${out.errText.trim() || out.text.trim()}`);
    }
  }
}
