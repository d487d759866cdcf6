// A replica's far end: one NBD export per member LV, opened with tsvm's NBD client (src/nbd), any
// server will do (another tsvm's daemon, nbdkit, qemu-nbd). Writes go in journal order, several in
// flight within the rules of ship-window.ts.
import { NbdClient } from '../nbd/client.js';
import { parseNbdUri } from '../nbd/uri.js';

const OPEN_TIMEOUT_MS = 5000;

export class TargetError extends Error {}

/** The far side writes on its own: it was promoted (failover), or is a replication source itself. */
export class SplitError extends TargetError {}

/** The replication role a tsvm NBD server announces for an export (NBD_INFO_DESCRIPTION), if any. */
export function peerRole(c: NbdClient): string | null {
  return /; replication: (\w+)/.exec(c.description)?.[1] ?? null;
}

/**
 * Does the server run a connection's requests one at a time in arrival order? tsvm's own does
 * (src/nbd/server-connection.ts) and says so by its description; nbdkit and qemu-nbd run them in
 * parallel threads, so writes in flight together may land in any order (ship-window.ts).
 */
export function runsInOrder(c: NbdClient): boolean {
  return c.description.startsWith('tsvm logical volume ');
}

/** Connect to `uri`, refusing a read-only export, one smaller than `size` bytes, or a promoted one (SplitError). */
export async function openTarget(uri: string, size: number): Promise<NbdClient> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TargetError(`Timed out connecting to ${uri}.`)), OPEN_TIMEOUT_MS);
  });
  let c: NbdClient;
  try {
    c = await Promise.race([NbdClient.open(parseNbdUri(uri)), timeout]);
  } catch (e) {
    if (e instanceof TargetError) throw e;
    throw new TargetError(`Cannot connect to replica target ${uri}: ${(e as Error).message}.`);
  } finally {
    clearTimeout(timer);
  }
  if (c.readOnly) {
    await c.disconnect().catch(() => undefined);
    throw new TargetError(`Replica target ${uri} is read-only.`);
  }
  const role = peerRole(c);
  if (role === 'promoted' || role === 'source') {
    await c.disconnect().catch(() => undefined);
    throw new SplitError(`Replica target ${uri} is a ${role === 'promoted' ? 'promoted' : 'replication source'} logical volume on its site: it writes on its own.`);
  }
  if (c.size < size) {
    await c.disconnect().catch(() => undefined);
    throw new TargetError(`Replica target ${uri} is smaller (${c.size} bytes) than the logical volume (${size} bytes).`);
  }
  return c;
}

/** The largest single write a target takes (its NBD maximum block size, at most 8 MiB). */
export function maxWrite(c: NbdClient): number {
  return Math.min(c.blockSize.max || 32 * 1024 * 1024, 8 * 1024 * 1024);
}

const PARALLEL_REQUEST_BYTES = 1024 * 1024;

/**
 * The size of the NBD requests a write to the target goes in. A server that runs requests in
 * parallel (nbdkit, qemu-nbd) takes each into a buffer of its own and then copies it to its store:
 * with 1 MiB requests that buffer stays in the CPU's cache between the two copies, and the server
 * works on the next request's bytes while it stores the last. The shipper still reads and sends
 * 4 MiB at a time (one writev): only the wire is cut finer. Shipping 1 GiB to nbdkit memory on
 * loopback (the shipper and nbdkit share 2 cores, so CPU per byte is what bounds it), 8 paired
 * runs at load ~4, from the resume taking effect: median 0.90 s with 1 MiB requests, 1.32 s with
 * 4 MiB (shipper + nbdkit CPU 1.17 s vs 1.27 s; nbdkit alone ~0.1 s less per GiB); 256 KiB
 * requests (nbdcopy's) were no better than 1 MiB. tsvm's own server runs a connection's requests
 * one at a time in JavaScript, so there each write stays one request.
 */
export function requestBytes(c: NbdClient): number {
  return runsInOrder(c) ? maxWrite(c) : Math.min(PARALLEL_REQUEST_BYTES, maxWrite(c));
}
