// tsvm replica: asynchronous and synchronous replicas of LVs over NBD, with consistency groups
// (tsvm's own command; LVM2 has no remote replication: DRBD and a SAN's mirror service are the
// models). Verbs on VG/LV or group names; the work is in src/repl.
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import type { Args } from '../src/cli/args.js';
import { InvalidCommandLine } from '../src/cli/errors.js';
import { parseLvName } from '../src/cli/toollib.js';
import type { Rpo } from '../src/repl/config.js';

const HELP = "Run `replica --help' for more information.";
const usage = (...lines: string[]) => new InvalidCommandLine(...lines, HELP);

function say(ctx: Context): (l: string) => void {
  return (l) => ctx.out.print(l);
}

function one(rest: string[], what = 'Please specify one replication group or VG/LV.'): string {
  if (rest.length !== 1) throw usage(what);
  return rest[0]!;
}

/** --type and the RPO options, as create and add take them. */
function replicaKind(args: Args): { kind: 'async' | 'sync'; rpo?: Rpo } {
  const kind = args.str('type') ?? 'async';
  if (kind !== 'async' && kind !== 'sync') throw usage(`Invalid replica type ${kind}: use --type async or --type sync.`);
  const rpoPolicy = args.str('rpopolicy');
  if (rpoPolicy !== undefined && !['throttle', 'sync', 'bitmap'].includes(rpoPolicy)) {
    throw usage(`Invalid RPO policy ${rpoPolicy}: use throttle, sync or bitmap.`);
  }
  const rpoSeconds = args.int('rpo');
  const rpoBytes = args.size('rpobytes');
  if (rpoPolicy && rpoSeconds === undefined && !rpoBytes) throw usage('--rpopolicy needs --rpo SECONDS or --rpobytes SIZE.');
  if (kind === 'sync' && (rpoSeconds !== undefined || rpoBytes)) throw usage('A sync replica has no RPO: it is never behind.');
  const rpo = rpoSeconds !== undefined || rpoBytes
    ? { policy: (rpoPolicy ?? 'throttle') as 'throttle' | 'sync' | 'bitmap', ...(rpoSeconds !== undefined ? { seconds: rpoSeconds } : {}),
      ...(rpoBytes ? { bytes: rpoBytes.sectors * 512 } : {}) }
    : undefined;
  return { kind, rpo };
}

async function create(ctx: Context, args: Args, rest: string[]): Promise<number> {
  if (!rest.length) throw usage('Please specify the logical volumes to replicate (VG/LV ...).');
  const lvs = rest.map((a) => {
    const n = parseLvName(ctx, a);
    if (!n) throw usage(`Invalid logical volume name ${a}: use VG/LV.`);
    return n;
  });
  const targets = args.all('target');
  if (!targets.length) throw usage('Please specify a replica target with --target URI|VG/LV.');
  if (targets.length !== lvs.length) {
    throw usage(`${lvs.length} logical volume(s) but ${targets.length} --target(s): give one target per logical volume, in the same order.`);
  }
  const size = args.size('size');
  if (!size) throw usage('Please specify the journal size with -L|--size.');
  if (!size.sectors) throw usage('Journal size may not be zero.');
  const { kind, rpo } = replicaKind(args);
  const { createGroup } = await import('../src/repl/create.js');
  return createGroup(ctx, { lvs, targets, kind, journalSectors: size.sectors, name: args.str('name'), nosync: args.has('nosync'), rpo }, say(ctx));
}

async function add(ctx: Context, args: Args, rest: string[]): Promise<number> {
  const group = one(rest);
  const targets = args.all('target');
  if (!targets.length) throw usage('Please specify a replica target with --target URI|VG/LV.');
  if (args.has('size')) throw usage('A replica added to a group uses the group\'s journal: -L|--size is for replica create.');
  const { kind, rpo } = replicaKind(args);
  const { addReplica } = await import('../src/repl/add.js');
  return addReplica(ctx, { group, targets, kind, nosync: args.has('nosync'), rpo }, say(ctx));
}

async function promoteCmd(ctx: Context, args: Args, rest: string[]): Promise<number> {
  if (!rest.length) throw usage('Please specify the logical volumes to promote (VG/LV ...).');
  const lvs = rest.map((a) => {
    const n = parseLvName(ctx, a);
    if (!n) throw usage(`Invalid logical volume name ${a}: use VG/LV.`);
    return n;
  });
  const targets = args.all('target');
  if (targets.length && targets.length !== lvs.length) {
    throw usage(`${lvs.length} logical volume(s) but ${targets.length} --target(s): give one target per logical volume, in the same order.`);
  }
  const size = args.size('size');
  if (size && !size.sectors) throw usage('Journal size may not be zero.');
  const { promote } = await import('../src/repl/promote.js');
  return promote(ctx, { lvs, targets, force: args.has('force'), journalSectors: size?.sectors, name: args.str('name') }, say(ctx));
}

async function groupsArg(ctx: Context, rest: string[]) {
  if (!rest.length) return undefined;
  const { findGroup } = await import('../src/repl/manage.js');
  return rest.map((a) => findGroup(ctx, a));
}

async function run(ctx: Context, args: Args): Promise<number> {
  const [sub, ...rest] = args.positionals;
  switch (sub) {
    case 'create': return create(ctx, args, rest);
    case 'add': return add(ctx, args, rest);
    case undefined:
    case 'status': {
      const { showStatus } = await import('../src/repl/view.js');
      return showStatus(ctx, await groupsArg(ctx, rest), args.str('reportformat') === 'json');
    }
    case 'watch': {
      const { watch } = await import('../src/repl/view.js');
      const interval = args.int('interval') ?? 1;
      if (interval < 1) throw usage('--interval must be at least 1 second.');
      return watch(ctx, await groupsArg(ctx, rest), interval, args.int('count') ?? 0);
    }
    case 'pause':
    case 'resume': {
      const { setPaused } = await import('../src/repl/manage.js');
      return setPaused(ctx, one(rest), sub === 'pause', say(ctx));
    }
    case 'resync': {
      const { fullResync } = await import('../src/repl/manage.js');
      return fullResync(ctx, one(rest), say(ctx));
    }
    case 'remove': {
      const { removeGroup } = await import('../src/repl/manage.js');
      return removeGroup(ctx, one(rest), args.has('yes') || args.has('force'), say(ctx));
    }
    case 'promote': return promoteCmd(ctx, args, rest);
    case 'demote': {
      const { demote } = await import('../src/repl/demote.js');
      return demote(ctx, one(rest), args.all('target'), args.has('force'), args.has('yes'), say(ctx));
    }
    case 'failback': {
      const { failback } = await import('../src/repl/failback.js');
      // Progress lines as they come (LVM2's polldaemon prints them at once), not at exit.
      return failback(ctx, one(rest), args.all('target'), (l) => {
        ctx.out.print(l);
        ctx.out.flushOut();
      });
    }
    case 'stop': {
      const { stopShipper } = await import('../src/repl/shipper-control.js');
      if (!stopShipper(ctx.systemDir)) ctx.out.print('No tsvm replication shipper is running.');
      return 0;
    }
    default: throw usage(`Unknown replica subcommand: ${sub}`);
  }
}

export const spec: CommandSpec = {
  name: 'replica',
  summary: 'Replicate logical volumes to NBD targets, asynchronously or synchronously (tsvm)',
  usage: [
    'replica create VG/LV ... --target URI|VG/LV ... -L|--size JournalSize',
    '\t[ --type async|sync ] [ -n|--name Group ] [ --nosync ]',
    '\t[ --rpo Seconds ] [ --rpobytes Size ] [ --rpopolicy throttle|sync|bitmap ]',
    'replica add Group|VG/LV --target URI|VG/LV ... [ --type async|sync ] [ --nosync ]',
    '\t[ --rpo Seconds ] [ --rpobytes Size ] [ --rpopolicy throttle|sync|bitmap ]',
    'replica [status] [ Group|VG/LV ... ] [ --reportformat json ]',
    'replica watch [ Group|VG/LV ... ] [ -i|--interval Seconds ] [ --count N ]',
    'replica pause|resume|resync Group|VG/LV',
    'replica remove Group|VG/LV [ -y|--yes ]',
    'replica promote VG/LV ... [ --force ] [ --target URI|VG/LV ... ] [ -L|--size JournalSize ] [ -n|--name Group ]',
    'replica demote Group|VG/LV [ --force ] [ -y|--yes ] [ --target URI|VG/LV ... ]',
    'replica failback Group|VG/LV [ --target URI|VG/LV ... ]',
    'replica stop',
    '',
    'A replicated LV journals every write, in order, on a hidden LV of its VG (Group_rjournal,',
    'sized with -L), then writes its own legs; a shipper process sends the journal to the',
    'replica over NBD and applies it there in the same order, so the replica is always a state',
    'the source went through (write-order consistency). Several LVs given together form one',
    'consistency group: one journal and one order for all of them, in one VG or several.',
    '',
    '  create   start replicating the LVs (one --target per LV, in order): an NBD URI',
    '           (nbd://HOST:PORT/EXPORT, nbd+unix:///EXPORT?socket=PATH) or VG/LV of this',
    '           system served by its NBD daemon. --type sync: a write completes only once the',
    '           replica has it. The replica is first copied in full unless --nosync.',
    '           --rpo/--rpobytes: the longest lag allowed; past it --rpopolicy throttle (writers',
    '           slow down, the default), sync (writes wait for the replica until it caught up) or',
    '           bitmap (the replica leaves the journal for a region bitmap and is resynced).',
    '  add      one more replica of the group (one --target per LV, in the group\'s order),',
    '           sync or async, copied in full first unless --nosync; up to 8 per group',
    '  status   state, lag (journal records, bytes, seconds), last applied time, link',
    '  watch    the same, redrawn every --interval seconds (--count times)',
    '  pause    stop shipping (the journal fills, then a region bitmap takes over); resume',
    '  resync   copy every region to the replicas again',
    '  remove   stop replicating: the journal LV and bitmaps are removed, the LVs stay',
    '  stop     stop the shipper process (it starts again with the next write)',
    '',
    'Failover and back (run each verb on the site named):',
    '  promote  far site, source lost: make the replicas writable LVs; their writes are marked',
    '           by region from now on. Refused while the LV has NBD clients (the source may still',
    '           be connected) unless --force, which cuts them off. --target: where the old source',
    '           is (for the failback); -L: journal for shipping back (default 8 MiB).',
    '           The old source, when its shipper reaches the promoted LV again, stops shipping',
    '           and is split: what the far site had not applied counts as written on its side.',
    '  demote   old source: its LVs become replicas of the promoted site (writes to them are',
    '           not tracked any more); its split map waits for the failback. --force: even while',
    '           the LVs are in use. Of several replicas it keeps the promoted one (found by',
    '           the shipper, or named by its --target(s)) and drops the others: add them on the',
    '           promoted site (a full copy from the new source).',
    '  failback promoted site: replicate to the (demoted) old source again, copying only the',
    '           regions written on either side since the split, then the journal as usual.',
    '           Reports what was recopied. Rerun it after an interruption: it resumes.',
    '           Fail back the other way later by the same three verbs, sites swapped.',
    '',
    'Report fields (lvs -o): repl_state, repl_kind, repl_group, repl_target, repl_lag_writes,',
    'repl_lag_bytes, repl_lag_seconds, repl_last_applied, repl_rpo, repl_reason, repl_role,',
    'repl_split, repl_recopied_regions, repl_recopied_bytes, repl_consistency,',
    'repl_fenced.',
  ],
  options: ['target', 'type', 'size', 'name', 'nosync', 'reportformat', 'interval', 'count', 'rpo', 'rpobytes', 'rpopolicy', 'force', 'yes'],
  run,
};
