// Fault rules for the fault-injecting device wrapper (LVM2's test suite does this with
// aux error_dev / delay_dev / zero_dev over device-mapper). Rules persist in $TSVM_SYSTEM_DIR/faults.json so
// that `tsvm fault add` in a lab script affects every later tsvm command until `tsvm fault clear`.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type FaultOp = 'read' | 'write' | 'any';
export type FaultKind = 'error' | 'delay' | 'zero';

export interface FaultRule {
  /** As given to `tsvm fault add`: "/dev/NAME" (TSVM_DEV_DIR name) or a path. */
  device: string;
  /** The image file the device name resolved to when the rule was added. */
  path?: string;
  op: FaultOp;
  /** Byte range on the device; "all" for the whole device. */
  offset: number | 'all';
  length: number | 'all';
  kind: FaultKind;
  /** Delay in milliseconds (kind "delay"). */
  ms?: number;
  /**
   * Let the first N matching operations through, then apply the fault. The count is kept per open
   * device (per process), like a device-mapper table that is loaded when the device is opened.
   */
  after?: number;
}

export const FAULTS_FILE = 'faults.json';

export function faultsPath(systemDir: string): string {
  return join(systemDir, FAULTS_FILE);
}

export function loadFaults(systemDir: string): FaultRule[] {
  const file = faultsPath(systemDir);
  if (!existsSync(file)) return [];
  const data = JSON.parse(readFileSync(file, 'utf8')) as { rules?: FaultRule[] } | FaultRule[];
  return Array.isArray(data) ? data : (data.rules ?? []);
}

/** Replace the rule set (written to a temporary file then renamed, so readers never see half a file). */
export function saveFaults(systemDir: string, rules: FaultRule[]): void {
  const file = faultsPath(systemDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ rules }, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Does the rule apply to a device opened as `name` (LVM2 display name) backed by `path`? */
export function ruleMatchesDevice(rule: FaultRule, name: string, path: string): boolean {
  return rule.device === name || rule.device === path || (rule.path !== undefined && rule.path === path);
}

/** Does the rule's range and op cover an I/O of `length` bytes at `offset`? */
export function ruleMatchesIo(rule: FaultRule, op: 'read' | 'write', offset: number, length: number): boolean {
  if (rule.op !== 'any' && rule.op !== op) return false;
  if (rule.offset === 'all') return true;
  const end = rule.length === 'all' ? Infinity : rule.offset + rule.length;
  return offset < end && offset + Math.max(length, 1) > rule.offset;
}

/** One line per rule, as `tsvm fault list` prints it. */
export function describeRule(rule: FaultRule): string {
  const range = rule.offset === 'all' ? 'all' : `${rule.offset}+${rule.length === 'all' ? 'end' : rule.length}`;
  const what = rule.kind === 'delay' ? `delay ${rule.ms ?? 0}ms` : rule.kind === 'zero' ? 'zero' : 'error EIO';
  const after = rule.after ? ` after ${rule.after}` : '';
  return `${rule.device} ${rule.op} ${range} ${what}${after}`;
}
