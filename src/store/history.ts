// vg_history rows (LVM2's /etc/lvm/archive): every previous version of a VG, as its JSON text
// (vg-json.ts). The text is stored deflated (a BLOB; older rows are TEXT): a VG's versions differ
// in a line or two, so they compress about tenfold, which keeps a commit of a large VG cheap (the
// row goes through the WAL and the checkpoint) and the database small after thousands of commits.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** What to store in vg_history.metadata for a version's text. */
export function encodeHistory(text: string): Buffer {
  return deflateRawSync(text, { level: 1 });
}

/** The version's text from a vg_history.metadata value (a deflated BLOB, or TEXT as first stored). */
export function decodeHistory(metadata: string | Buffer | Uint8Array): string {
  return typeof metadata === 'string' ? metadata : inflateRawSync(metadata).toString('utf8');
}
