// tsvm fault: inject I/O errors and delays on PV devices, the diagnostic LVM2's test suite gets
// from device-mapper (aux error_dev, aux delay_dev). Rules live in $TSVM_SYSTEM_DIR/faults.json
// and apply to every later tsvm command that opens the device, until `tsvm fault clear`.
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import type { Args } from '../src/cli/args.js';
import { InvalidCommandLine } from '../src/cli/errors.js';
import { describeRule, loadFaults, ruleMatchesDevice, saveFaults, type FaultRule } from '../src/device/faults.js';
import { parseDdNumber } from '../src/lv-io/dd-operands.js';

function bytesArg(args: Args, name: string): number | 'all' {
  const v = args.str(name);
  if (v === undefined || v === 'all') return 'all';
  try {
    return parseDdNumber(v);
  } catch {
    throw new InvalidCommandLine(`Invalid argument for --${name}: ${v}`, 'Error during parsing of command line.');
  }
}

function add(ctx: Context, args: Args, devices: string[]): number {
  if (devices.length === 0) throw new InvalidCommandLine('Please specify a device.', "Run `fault --help' for more information.");
  const error = args.has('error');
  const zero = args.has('zero');
  const delay = args.int('delay');
  if (Number(error) + Number(zero) + Number(delay !== undefined) !== 1) {
    throw new InvalidCommandLine('Exactly one of --error, --delay MS or --zero is required.', "Run `fault --help' for more information.");
  }
  const op = args.has('read') === args.has('write') ? 'any' : args.has('read') ? 'read' : 'write';
  const offset = bytesArg(args, 'offset');
  const length = bytesArg(args, 'length');
  if (offset === 'all' && length !== 'all') {
    throw new InvalidCommandLine('--length needs --offset.', "Run `fault --help' for more information.");
  }
  const rules = loadFaults(ctx.systemDir);
  for (const arg of devices) {
    const dev = ctx.device(arg);
    const rule: FaultRule = { device: dev.name, path: dev.path, op, offset, length, kind: error ? 'error' : zero ? 'zero' : 'delay' };
    if (delay !== undefined) rule.ms = delay;
    const after = args.int('after');
    if (after !== undefined) rule.after = after;
    rules.push(rule);
    ctx.out.print(`Fault added: ${describeRule(rule)}`);
  }
  saveFaults(ctx.systemDir, rules);
  return 0;
}

function list(ctx: Context): number {
  for (const r of loadFaults(ctx.systemDir)) ctx.out.print(describeRule(r));
  return 0;
}

function clear(ctx: Context, devices: string[]): number {
  const rules = loadFaults(ctx.systemDir);
  const targets = devices.map((a) => ctx.device(a));
  const keep = targets.length ? rules.filter((r) => !targets.some((t) => ruleMatchesDevice(r, t.name, t.path))) : [];
  saveFaults(ctx.systemDir, keep);
  ctx.out.print(`Cleared ${rules.length - keep.length} fault rule${rules.length - keep.length === 1 ? '' : 's'}.`);
  return 0;
}

function run(ctx: Context, args: Args): number {
  const [sub, ...rest] = args.positionals;
  switch (sub) {
    case 'add': return add(ctx, args, rest);
    case 'list': return list(ctx);
    case 'clear': return clear(ctx, rest);
    default:
      throw new InvalidCommandLine(sub ? `Unknown fault subcommand: ${sub}` : 'Please specify add, list or clear.',
        "Run `fault --help' for more information.");
  }
}

export const spec: CommandSpec = {
  name: 'fault',
  summary: 'Inject I/O errors and delays on physical volume devices (tsvm diagnostic)',
  usage: [
    'fault add PV ... --error|--delay MS|--zero [--read|--write] [--offset BYTES --length BYTES] [--after N]',
    'fault list',
    'fault clear [PV ...]',
    '',
    'Like the error and delay device-mapper targets LVM2\'s test suite puts under a PV (aux error_dev,',
    'aux delay_dev), a rule makes I/O to a byte range of a PV device fail with EIO (--error) or wait',
    'MS milliseconds (--delay), or reads return zeros and writes are dropped (--zero, as the zero target',
    'of aux zero_dev). Rules are kept in $TSVM_SYSTEM_DIR/faults.json and apply to every',
    'later tsvm command that opens the device, until cleared.',
    '',
    '  --read, --write    only reads or only writes (default: both)',
    '  --offset BYTES     start of the range on the device, from the start of the image',
    '                     (data of PE n starts at pe_start + n * extent size); suffixes K M G (1024)',
    '                     and kB MB GB (1000) as dd; default: the whole device',
    '  --length BYTES     length of the range (default: to the end of the device)',
    '  --after N          let the first N matching I/Os through in each command, then fail or delay',
    '',
    'An I/O that overlaps an error range transfers nothing, as a failed bio.',
    '',
    'Example: tsvm fault add /dev/loop1 --write --error --offset 1M --length 4M',
    '         tsvm fault clear',
  ],
  options: ['read', 'write', 'error', 'delay', 'zero', 'offset', 'length', 'after'],
  run,
};
