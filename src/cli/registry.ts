// Command name -> module, loaded lazily so a command pays only for its own code.
import type { CommandSpec } from './command-spec.js';

export const COMMAND_NAMES = [
  'pvcreate', 'pvremove', 'pvs', 'pvdisplay', 'pvchange', 'pvresize', 'pvscan', 'pvmove',
  'vgscan', 'vgcfgbackup', 'vgcfgrestore', 'vgck', 'pvck', 'vgexport', 'vgimport', 'vgimportclone',
  'vgcreate', 'vgextend', 'vgreduce', 'vgremove', 'vgrename', 'vgs', 'vgdisplay', 'vgchange', 'vgsplit', 'vgmerge',
  'lvcreate', 'lvremove', 'lvrename', 'lvextend', 'lvreduce', 'lvresize', 'lvs', 'lvdisplay', 'lvscan', 'lvchange', 'lvconvert',
  'dd', 'fault', 'nbd', 'lsblk', 'replica',
] as const;

export function isCommand(name: string): boolean {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

export async function loadCommand(name: string): Promise<CommandSpec> {
  const mod = (await import(`../../commands/${name}.js`)) as { spec: CommandSpec };
  return mod.spec;
}
