// GNU dd's transfer statistics, byte for byte (coreutils src/dd.c print_xfer_stats and gnulib
// human_readable with human_autoscale | human_round_to_nearest | human_space_before_unit |
// human_SI | human_B): "N bytes (1.1 GB, 1.0 GiB) copied, 0.29 s, 3.7 GB/s".

const POWER_LETTERS = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y', 'R', 'Q'];

function suffix(exponent: number, base: number): string {
  if (exponent === 0) return ' B';
  const letter = base === 1000 && exponent === 1 ? 'k' : POWER_LETTERS[exponent]!;
  return ` ${letter}${base === 1024 ? 'i' : ''}B`;
}

/** human_readable(n, opts, 1, 1): an exact integer amount, autoscaled, rounded to nearest (ties to even). */
export function humanBytes(n: number, base: 1000 | 1024): string {
  let amt = n;
  let tenths = 0;
  // 0: exact; 1: below .05; 2: exactly .05; 3: above .05 (of the next tenth).
  let rounding = 0;
  let exponent = 0;
  let fraction = '';
  if (amt >= base) {
    do {
      const r10 = (amt % base) * 10 + tenths;
      const r2 = (r10 % base) * 2 + (rounding >> 1);
      amt = Math.floor(amt / base);
      tenths = Math.floor(r10 / base);
      rounding = r2 < base ? (r2 + rounding !== 0 ? 1 : 0) : 2 + (base < r2 + rounding ? 1 : 0);
      exponent++;
    } while (amt >= base && exponent < POWER_LETTERS.length - 1);
    if (amt < 10) {
      if (2 < rounding + (tenths & 1)) {
        tenths++;
        rounding = 0;
        if (tenths === 10) {
          amt++;
          tenths = 0;
        }
      }
      if (amt < 10) {
        fraction = `.${tenths}`;
        tenths = rounding = 0;
      }
    }
  }
  if (5 < tenths + (0 < rounding + (amt & 1) ? 1 : 0)) {
    amt++;
    if (amt === base && exponent < POWER_LETTERS.length - 1) {
      exponent++;
      fraction = '.0';
      amt = 1;
    }
  }
  return `${amt}${fraction}${suffix(exponent, base)}`;
}

/** printf("%.Nf") with the exact binary value and ties to even, as glibc does. */
export function toFixedC(x: number, digits: number): string {
  const s = x.toFixed(digits);
  // toFixed breaks exact ties upwards; glibc rounds them to even. Only exact binary ties differ.
  const scaled = x * 10 ** digits;
  if (Number.isFinite(scaled) && scaled - Math.floor(scaled) === 0.5 && Math.floor(scaled) % 2 === 0) {
    return (Math.floor(scaled) / 10 ** digits).toFixed(digits);
  }
  return s;
}

/** Bytes per second: human_readable(bytes, opts, 1e9, ns), autoscaled in powers of 1000. */
export function humanRate(bytes: number, ns: number): string {
  const NS = 1e9;
  if (ns <= NS && NS % ns === 0 && Number.isSafeInteger(bytes * (NS / ns))) return `${humanBytes(bytes * (NS / ns), 1000)}/s`;
  const damt0 = bytes * (NS / ns);
  let e = 1;
  let exponent = 0;
  do {
    e *= 1000;
    exponent++;
  } while (e * 1000 <= damt0 && exponent < POWER_LETTERS.length - 1);
  const damt = damt0 / e;
  let text = toFixedC(damt, 1);
  if (text.length > 4) text = toFixedC(damt, 0);
  return `${text}${suffix(exponent, 1000)}/s`;
}

/** printf("%g"). */
export function formatG(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const exp = Number(x.toExponential(5).split('e')[1]);
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const t = x.toFixed(Math.max(0, 5 - exp));
  return t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t;
}

/** dd's "records in/out" lines. */
export function recordLines(rFull: number, rPartial: number, wFull: number, wPartial: number, rTruncated = 0): string {
  let s = `${rFull}+${rPartial} records in\n${wFull}+${wPartial} records out\n`;
  if (rTruncated) s += `${rTruncated} truncated record${rTruncated === 1 ? '' : 's'}\n`;
  return s;
}

/**
 * The transfer line: "X bytes (SI, IEC) copied, T s, R/s". With `progress`, seconds are printed
 * as "%.0f s" (dd's once-a-second status=progress line).
 */
export function xferLine(bytes: number, ns: number, progress = false): string {
  const si = humanBytes(bytes, 1000);
  const iec = humanBytes(bytes, 1024);
  const seconds = ns / 1e9;
  const t = progress ? `${toFixedC(seconds, 0)} s` : `${formatG(seconds)} s`;
  const rate = ns > 0 ? humanRate(bytes, ns) : 'Infinity B/s';
  const lacksPrefix = (h: string) => h.endsWith(' B');
  if (lacksPrefix(si)) return `${bytes} byte${bytes === 1 ? '' : 's'} copied, ${t}, ${rate}`;
  if (lacksPrefix(iec)) return `${bytes} bytes (${si}) copied, ${t}, ${rate}`;
  return `${bytes} bytes (${si}, ${iec}) copied, ${t}, ${rate}`;
}
