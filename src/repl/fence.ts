// Fencing of the old source after a failover (DRBD's "outdated" peer and its fencing policy): once
// this side learns that a replica was promoted on its site (the shipper reads `replication: promoted`
// in the far export's NBD description, target.ts), the group is marked fenced and every write to its
// LVs is refused with EROFS, whoever writes them (tsvm dd, this site's NBD daemon, which holds the
// LV open): two sites writing the same data as primaries is the split brain that a failback can only
// settle by throwing one side's writes away. Reads go on. The fence ends when this side gives up
// the role (`tsvm replica demote`: its LVs become replicas of the promoted site) or fails back to
// the far side after that one was demoted (`tsvm replica failback`), or when the replication is
// removed (`tsvm replica remove`: the person decided that this side's data is the one to keep).
// Until the old source reaches the promoted site it cannot know (the link is down: its writes are
// journaled as usual, and count as written on its side at the failback); DRBD's
// `fencing resource-and-stonith` would freeze writes at every link loss instead, which an
// asynchronous replica across sites (seed 004) is there to avoid.
import { LvIoError } from '../lv-io/io-env.js';
import type { Group } from './config.js';

/** The error a write to a member of a fenced group gets. */
export function fencedError(group: Group, member: number): LvIoError {
  const m = group.members[member];
  const lv = m ? `${m.vgName}/${m.lvName}` : `of replication group ${group.name}`;
  return new LvIoError('EROFS', `Logical volume ${lv} is fenced: its replica ${group.fenced?.by.join(' ') ?? ''} was promoted. ` +
    `Demote replication group ${group.name} here (tsvm replica demote), or fail back once the far side is demoted.`);
}
