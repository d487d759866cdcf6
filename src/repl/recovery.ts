// After a writer died between its journal record and its local write (kill -9 of the source), the
// source lacks a write the replica will get. Under the group lock no writer is between those two
// steps, so re-applying the last journaled write to its member LV is always safe: it is the latest
// write to those bytes. Writers do it when they open a member; the shipper when the group is idle.
import { RecordKind } from './journal-format.js';
import type { Journal } from './journal.js';

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
