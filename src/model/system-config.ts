// $TSVM_SYSTEM_DIR/lvm.conf: the machine's configuration file, as LVM2 reads /etc/lvm/lvm.conf
// (lib/config). One loader for commands, the NBD daemon, dmeventd-style repair and monitoring.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from './config.js';

/** lvm.conf of a system dir merged into `into` (a new Config by default). Throws on a syntax error. */
export function loadSystemConfig(systemDir: string, into = new Config()): Config {
  const file = join(systemDir, 'lvm.conf');
  if (existsSync(file)) into.merge(readFileSync(file, 'utf8'));
  return into;
}

/** lvm.conf of a system dir, empty when absent or broken: the commands that read it report that. */
export function systemConfig(systemDir: string): Config {
  try {
    return loadSystemConfig(systemDir);
  } catch {
    return new Config();
  }
}
