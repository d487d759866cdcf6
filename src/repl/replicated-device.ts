// An LV of a replication group as the user opens it: reads go to the LV, writes go through the
// group's journal writer (journal first, then the local legs, under the group lock), a flush is a
// barrier in the journal. Works over any LvDevice (linear, striped, mirror, raid1), since it wraps
// what src/lv-io opened.
import { alignedBuffer } from '../device/aligned-buffer.js';
import type { LvDevice } from '../lv-io/index.js';
import type { IoEnv } from '../lv-io/index.js';
import { openDb } from '../store/db.js';
import type { VolumeGroup } from '../model/types.js';
import { groupOfLv, loadGroups, type Group } from './config.js';
import { JournalWriter } from './journal-writer.js';
import { openMemberWriter } from './recovery.js';
import { ensureShipper } from './shipper-control.js';

/** One journal writer per group and process, shared by the group's open members. */
const writers = new Map<string, JournalWriter>();

function writerFor(env: IoEnv, group: Group, vg: VolumeGroup): JournalWriter {
  let w = writers.get(group.uuid);
  if (!w) writers.set(group.uuid, (w = new JournalWriter(env, group, vg)));
  w.users++;
  return w;
}

export class ReplicatedDevice implements LvDevice {
  private closed = false;

  constructor(private readonly inner: LvDevice, private readonly writer: JournalWriter, private readonly member: number,
    private readonly groupUuid: string) {}

  get path(): string {
    return this.inner.path;
  }

  get vg() {
    return this.inner.vg;
  }

  get lv() {
    return this.inner.lv;
  }

  get writable(): boolean {
    return this.inner.writable;
  }

  size(): number {
    return this.inner.size();
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.inner.readAt(buf, offset);
  }

  readBuffer(bytes: number): Uint8Array {
    return this.inner.readBuffer?.(bytes) ?? alignedBuffer(bytes);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    if (!buf.length) return;
    this.writer.write(this.member, offset, buf, () => this.inner.writeAt(buf, offset), (b, o) => this.inner.readAt(b, o));
  }

  flush(): void {
    this.writer.flush(() => this.inner.flush());
  }

  writeAtDurable(buf: Uint8Array, offset: number): void {
    if (!buf.length) return this.flush();
    this.writer.write(this.member, offset, buf, () => this.inner.writeAt(buf, offset), (b, o) => this.inner.readAt(b, o),
      () => this.inner.flush());
  }

  idle(): void {
    this.writer.release();
    this.inner.idle?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inner.close();
    if (--this.writer.users === 0) {
      writers.delete(this.groupUuid);
      this.writer.close();
    }
  }
}

/** Wrap a user's writable open of a group member; the shipper is started if none runs. */
export function wrapReplicated(env: IoEnv, dev: LvDevice): LvDevice {
  const found = groupOfLv(loadGroups(env.systemDir), dev.lv.uuid);
  // A demoted member (failback) is written by the new source's shipper: not journaled here.
  if (!found || found.group.role === 'replica') return dev;
  const { group, index } = found;
  const writer = writerFor(env, group, dev.vg);
  const wrapped = new ReplicatedDevice(dev, writer, index, group.uuid);
  try {
    writer.recover((i) => (i === index ? dev : openMemberWriter(env, openDb(env.systemDir), group, i)));
  } catch (e) {
    wrapped.close();
    throw e;
  }
  if (group.replicas.some((r) => !r.paused)) ensureShipper(env.systemDir);
  return wrapped;
}
