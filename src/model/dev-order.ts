// The order in which device names are listed and scanned: as the kernel numbers them (loop2
// before loop10, sdb before sdc). Compared by hand rather than with Intl: loading ICU's collator
// costs a cold process ~30 ms, and every changing command sorts its VG's PVs this way.

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Runs of digits compare as numbers (shorter run first on a tie: "01" after "1"), the rest by code unit. */
export function devNameOrder(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ie = i;
      let je = j;
      while (ie < a.length && isDigit(a.charCodeAt(ie))) ie++;
      while (je < b.length && isDigit(b.charCodeAt(je))) je++;
      const na = a.slice(i, ie).replace(/^0+(?=\d)/, '');
      const nb = b.slice(j, je).replace(/^0+(?=\d)/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      if (ie - i !== je - j) return ie - i - (je - j);
      i = ie;
      j = je;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}
