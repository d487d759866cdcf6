// Which bytes of the member LVs unshipped Ref records still point at (journal-format.ts): a map from
// 64 KiB granule to the seq of the last Ref covering it, per writer process, built from the journal
// when the writer opens it and kept up to date under the group lock. A write over a granule whose
// Ref a replica has not applied yet preserves the old bytes first (an LVM2 snapshot's copy-on-write).
const GRANULE = 64 * 1024;
const KEY_STRIDE = 2 ** 36; // granules per member (4 PiB)

export class RefIndex {
  private readonly last = new Map<number, number>();

  /** A Ref record of `seq` covers [offset, offset+length) of `member` (noted in any order: the latest seq is kept). */
  note(seq: number, member: number, offset: number, length: number): void {
    for (let g = Math.floor(offset / GRANULE); g * GRANULE < offset + length; g++) {
      const k = member * KEY_STRIDE + g;
      if ((this.last.get(k) ?? 0) < seq) this.last.set(k, seq);
    }
  }

  /**
   * The parts of [offset, offset+length) that a Ref of seq >= `oldest` still needs (merged, in
   * order); empty when nothing there is referenced.
   */
  needed(member: number, offset: number, length: number, oldest: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (!this.last.size) return out;
    const end = offset + length;
    for (let g = Math.floor(offset / GRANULE); g * GRANULE < end; g++) {
      if ((this.last.get(member * KEY_STRIDE + g) ?? 0) < oldest) continue;
      const a = Math.max(offset, g * GRANULE);
      const b = Math.min(end, (g + 1) * GRANULE);
      const prev = out[out.length - 1];
      if (prev && prev[1] === a) prev[1] = b;
      else out.push([a, b]);
    }
    return out;
  }

  /** Forget Refs every replica has applied (called now and then; lookups are right without it). */
  prune(oldest: number): void {
    for (const [k, seq] of this.last) if (seq < oldest) this.last.delete(k);
  }

  get size(): number {
    return this.last.size;
  }
}
