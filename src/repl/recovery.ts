// After a writer died between its journal record and its local write (kill -9 of the source), the
// source lacks a write the replica will get. Under the group lock no writer is between those two
// steps, so re-applying the last journaled write to its member LV is always safe: it is the latest
// write to those bytes. Writers do it when they open a member; the shipper when the group is idle.
import { openLv, type IoEnv } from '../lv-io/index.js';
import type { Db } from '../store/db.js';
import type { Group } from './config.js';
import { RecordKind } from './journal-format.js';
import { resolveLv, type Journal } from './journal.js';

export interface MemberWriter {
  writeAt(buf: Uint8Array, offset: number): void;
  flush(): void;
}

/** Call with the group lock held. Returns whether a write was re-applied. */
export function recoverPending(journal: Journal, openMember: (index: number) => MemberWriter): boolean {
  const h = journal.currentHead();
  if (!h.pending) return false;
  const r = journal.recordAt(h.pendingPos, h.pending);
  const data = r && r.kind === RecordKind.Write ? journal.recordData(r) : null;
  if (r && data && r.member < journal.group.members.length) {
    const dev = openMember(r.member);
    dev.writeAt(data, r.offset);
    dev.flush();
  }
  h.pending = 0;
  h.pendingPos = 0;
  journal.writeHint(h);
  return !!data;
}

/** Member `i` of `group` opened for a recovery write, without the journal (closed after its flush). */
export function openMemberWriter(env: IoEnv, db: Db, group: Group, i: number): MemberWriter {
  const found = resolveLv(db, group.members[i]!);
  if (!found) throw new Error(`Logical volume ${group.members[i]!.vgName}/${group.members[i]!.lvName} not found.`);
  const d = openLv(env, found.vg, found.lv, { writable: true, ignoreActivation: true });
  return { writeAt: (b, o) => d.writeAt(b, o), flush: () => { d.flush(); d.close(); } };
}
