// tsvm lsblk: the lab's disks as lsblk(8) draws them: each PV (image file or device), then the
// active LVs whose extents are on it, a mirror's images and log between the disk and the mirror,
// as device-mapper stacks them; sizes, the kernel device's MAJ:MIN, read-only, type and mount
// points (from /proc/self/mountinfo). tsvm's own view (LVM2 has no lsblk); colour only on a TTY.
import { statSync } from 'node:fs';
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../src/model/types.js';

interface Node {
  name: string;
  majMin: string;
  size: number;
  ro: boolean;
  type: string;
  mounts: string[];
  children: Node[];
}

/** lsblk's sizes: binary units, one decimal unless whole (20G, 18.4G, 600M). */
export function humanSize(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1).replace(/\.0$/, '');
  return `${s}${units[i]}`;
}

async function build(ctx: Context): Promise<Node[]> {
  const { deviceView } = await import('../src/report/device-view.js');
  const { devNumbers, mountPointsOf } = await import('../src/nbd/device-use.js');
  const { dmName } = await import('../src/nbd/kernel-device.js');
  const devices = deviceView(ctx.systemDir);
  const vgs = ctx.reader.loadAllVgs();
  const lvNode = (vg: VolumeGroup, lv: LogicalVolume): Node => {
    const k = devices.kernelDevice(lv);
    const top = lv.visible;
    return {
      name: dmName(vg.name, lv.name), majMin: k ? `${k.major}:${k.minor}` : '', size: lv.segments.reduce((n, s) => n + s.extentCount, 0) * vg.extentSize * 512,
      ro: !lv.writable, type: 'lvm', mounts: k && top ? mountPointsOf(k.major, k.minor) : [], children: [],
    };
  };
  /** The LVs stacked on `lv` (the mirror over an image or log), up to the top LV. */
  const above = (vg: VolumeGroup, lv: LogicalVolume): Node[] => {
    const users = vg.lvs.filter((u) => u.segments.some((s) => s.mirrorLog === lv.name || !!s.metaAreas?.includes(lv.name) || s.areas.some((a) => a.kind === 'lv' && a.lvName === lv.name)));
    return users.map((u) => ({ ...lvNode(vg, u), children: above(vg, u) }));
  };
  const onPv = (vg: VolumeGroup, pv: PhysicalVolume): Node[] =>
    vg.lvs.filter((lv) => lv.active && lv.segments.some((s) => s.areas.some((a) => a.kind === 'pv' && a.pvUuid === pv.uuid)))
      .map((lv) => ({ ...lvNode(vg, lv), children: above(vg, lv) }));
  const disk = (pv: PhysicalVolume, vg: VolumeGroup | null): Node => {
    const nums = devNumbers(pv.path);
    let size = pv.devSize * 512;
    try {
      size = statSync(pv.path).size || size;
    } catch {
      /* a missing PV keeps its recorded size */
    }
    return {
      name: pv.name.replace(/^\/dev\//, ''), majMin: nums ? `${nums.major}:${nums.minor}` : '', size, ro: false, type: 'disk',
      mounts: [], children: vg ? onPv(vg, pv) : [],
    };
  };
  const out: Node[] = [];
  for (const vg of vgs) for (const pv of vg.pvs) out.push(disk(pv, vg));
  for (const pv of ctx.reader.orphanPvs()) out.push(disk(pv, null));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function run(ctx: Context): Promise<number> {
  const nodes = await build(ctx);
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: process.stdout.isTTY && !process.env.NO_COLOR ? 1 : 0 });
  const rows: string[][] = [];
  const walk = (n: Node, prefix: string, last: boolean, depth: number): void => {
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─' : '├─'}`;
    rows.push([branch + n.name, n.majMin, humanSize(n.size), n.ro ? '1' : '0', n.type, n.mounts.join(',')]);
    const next = depth === 0 ? '' : `${prefix}${last ? '  ' : '│ '}`;
    n.children.forEach((c, i) => walk(c, next, i === n.children.length - 1, depth + 1));
  };
  for (const n of nodes) walk(n, '', true, 0);
  const head = ['NAME', 'MAJ:MIN', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[], paint = (s: string) => s): string =>
    [r[0]!.padEnd(w[0]!), r[1]!.padEnd(w[1]!), r[2]!.padStart(w[2]!), r[3]!.padStart(w[3]!), paint(r[4]!.padEnd(w[4]!)), r[5]!].join(' ').trimEnd();
  const text = [line(head, chalk.bold), ...rows.map((r) => line(r, r[4] === 'disk' ? chalk.cyan : chalk.green))];
  ctx.out.raw(text.join('\n') + '\n');
  return 0;
}

export const spec: CommandSpec = {
  name: 'lsblk',
  summary: 'Show the PV images and the active LVs on them as a tree, like lsblk (tsvm)',
  usage: [
    'lsblk',
    '',
    'The disks of the VGs tsvm knows (PV image files or devices) with the active LVs on them,',
    'a mirror\'s images and log between the disk and the mirror, as device-mapper stacks them.',
    'MAJ:MIN and MOUNTPOINTS are the LV\'s kernel block device\'s (see tsvm nbd), blank without one.',
  ],
  options: [],
  run: (ctx) => run(ctx),
};
