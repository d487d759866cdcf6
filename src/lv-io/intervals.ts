// Byte coverage of a region by writes, as sorted disjoint [start, end) intervals: the mirror engine
// tracks partly written regions with it (mirror-device.ts), lost-regions.ts the rewriting of lost ones.

/** Merge [s, e) into a sorted list of disjoint intervals. */
export function addInterval(list: Array<[number, number]>, s: number, e: number): void {
  list.push([s, e]);
  list.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const iv of list) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  list.splice(0, list.length, ...merged);
}

/** Does the list cover [0, len) entirely? */
export function covers(list: ReadonlyArray<[number, number]>, len: number): boolean {
  return list.length === 1 && list[0]![0] === 0 && list[0]![1] >= len;
}
