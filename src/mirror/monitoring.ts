// dmeventd monitoring of an active mirror (LVM2: monitor_dev_for_events registering the LV with
// dmeventd, lvchange/vgchange --monitor, activation/monitoring): whether tsvm's fault policy
// (fault-policy.ts) runs when the mirror's I/O meets a failure. Per-LV runtime state, like
// dmeventd's registrations: $TSVM_SYSTEM_DIR/run/monitor-<lv uuid> holds 'y' or 'n' when
// --monitor chose it; without the file, activation/monitoring decides. Deactivation drops it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemConfig } from '../model/system-config.js';

function stateFile(systemDir: string, lvUuid: string): string {
  return join(systemDir, 'run', `monitor-${lvUuid}`);
}

/** Record --monitor y|n for an LV (undefined: back to activation/monitoring). */
export function setMonitoring(systemDir: string, lvUuid: string, on: boolean | undefined): void {
  const file = stateFile(systemDir, lvUuid);
  if (on === undefined) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(join(systemDir, 'run'), { recursive: true });
  writeFileSync(file, on ? 'y' : 'n');
}

/** activation/monitoring from lvm.conf (default 1, LVM2's DEFAULT_DMEVENTD_MONITOR). */
function monitoringDefault(systemDir: string): boolean {
  return systemConfig(systemDir).num('activation/monitoring', 1) !== 0;
}

/** Is this (active) mirror monitored? */
export function isMonitored(systemDir: string, lvUuid: string): boolean {
  let v: string | undefined;
  try {
    v = readFileSync(stateFile(systemDir, lvUuid), 'utf8');
  } catch {
    v = undefined;
  }
  return v === undefined ? monitoringDefault(systemDir) : v === 'y';
}

/**
 * After LVs were activated (or deactivated): --monitor y|n given with the activation is recorded
 * (--ignoremonitoring leaves things as they are); deactivation drops the registration.
 */
export function monitorOnActivation(systemDir: string, lvUuids: string[], active: boolean, monitor: string | undefined): void {
  for (const uuid of lvUuids) setMonitoring(systemDir, uuid, active && monitor !== undefined ? monitor === 'y' : undefined);
}
