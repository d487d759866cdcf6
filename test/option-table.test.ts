// Every option LVM2 accepts for a command tsvm has parses; the ones tsvm cannot honour are refused
// after parsing (exit 5, nothing done), never with a parse error.
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../src/cli/registry.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import { commandOptions, isLvm2Command } from '../src/cli/options.js';
import { getopt } from '../src/cli/getopt.js';
import { Args } from '../src/cli/args.js';
import { refuseUnsupported } from '../src/cli/unsupported.js';
import { LvmError } from '../src/cli/errors.js';
import { LVM2_COMMAND_ARGS } from '../src/cli/lvm2-option-table.js';

const loadCommand = async (name: string): Promise<CommandSpec> =>
  ((await import(`../commands/${name}.ts`)) as { spec: CommandSpec }).spec;

describe('option table', () => {
  it('covers every LVM command tsvm has, and each spec option is one LVM2 accepts for it', async () => {
    for (const name of COMMAND_NAMES) {
      if (['dd', 'fault', 'nbd', 'lsblk', 'replica'].includes(name)) continue;
      expect(isLvm2Command(name), name).toBe(true);
      const spec = await loadCommand(name);
      const parsed = commandOptions(name).map((d) => d.long);
      for (const o of spec.options) expect(parsed, `${name} --${o}`).toContain(o);
    }
  });

  it('short letters are unique within each command', () => {
    for (const name of Object.keys(LVM2_COMMAND_ARGS)) {
      const letters = commandOptions(name).flatMap((d) => (d.short ? [d.short] : []));
      expect(new Set(letters).size, name).toBe(letters.length);
    }
  });

  it('an option LVM2 accepts but tsvm does not honour parses, then is refused with exit 5', async () => {
    const spec = await loadCommand('pvcreate');
    const args = new Args('pvcreate', getopt('pvcreate', ['--labelsector', '1', '/dev/x'], commandOptions('pvcreate')));
    let err: LvmError | undefined;
    try {
      refuseUnsupported(spec, args);
    } catch (e) {
      err = e as LvmError;
    }
    expect(err?.exitCode).toBe(5);
    expect(err?.lines).toEqual(['Option --labelsector is not supported by tsvm.']);
  });
});
