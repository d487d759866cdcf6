// The copy loop of GNU dd (coreutils src/dd.c dd_copy): read ibs-sized records, write them as
// read (bs=) or reblocked into obs-sized records, count full and partial records, and print
// dd's statistics and messages. Returns dd's exit status (0 or 1).
import { ErrnoError, errnoOf, strerror, type DdSink, type DdSource } from './dd-endpoints.js';
import type { DdOperands } from './dd-operands.js';
import { recordLines, xferLine } from './dd-stats.js';
import { alignedBuffer } from '../device/aligned-buffer.js';

/** coreutils quoteaf(): always single-quoted. */
export function quoteaf(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** coreutils quotef(): quoted only when the shell would need it. */
export function quotef(s: string): string {
  return /^[A-Za-z0-9_./,:@%+=-]+$/.test(s) ? s : quoteaf(s);
}

export interface DdIo {
  /** Text for stderr (dd's messages and statistics). */
  err(text: string): void;
  /** Monotonic clock in nanoseconds. */
  now?(): bigint;
}

interface Counters {
  rFull: number;
  rPartial: number;
  wFull: number;
  wPartial: number;
  wBytes: number;
}

export function ddCopy(o: DdOperands, src: DdSource, dst: DdSink, io: DdIo): number {
  const now = io.now ?? (() => process.hrtime.bigint());
  const start = now();
  const c: Counters = { rFull: 0, rPartial: 0, wFull: 0, wPartial: 0, wBytes: 0 };
  let progressLen = 0;
  let nextProgress = start + 1_000_000_000n;
  const fail = (msg: string) => io.err(`dd: ${msg}\n`);
  const stats = () => {
    if (o.status === 'none') return;
    let s = '';
    if (progressLen) s += '\n';
    progressLen = 0;
    s += recordLines(c.rFull, c.rPartial, c.wFull, c.wPartial);
    if (o.status !== 'noxfer') s += xferLine(c.wBytes, Number(now() - start)) + '\n';
    io.err(s);
  };
  const progress = () => {
    const t = now();
    if (o.status !== 'progress' || t < nextProgress) return;
    const line = xferLine(c.wBytes, Number(t - start), true);
    io.err(`\r${line}${' '.repeat(Math.max(0, progressLen - line.length))}`);
    progressLen = line.length;
    while (nextProgress <= t) nextProgress += 1_000_000_000n;
  };

  const status = copy(o, src, dst, c, fail, stats, progress);
  stats();
  return status;
}

function copy(o: DdOperands, src: DdSource, dst: DdSink, c: Counters, fail: (m: string) => void, stats: () => void,
  progress: () => void): number {
  const skipBytes = o.iflag.has('skip_bytes') ? o.skip : o.skip * o.ibs;
  const seekBytes = o.oflag.has('seek_bytes') ? o.seek : o.seek * o.obs;
  if (skipBytes) {
    try {
      if (src.skip(skipBytes) > 0 && o.status !== 'none') fail(`${quotef(src.name)}: cannot skip to specified offset`);
    } catch (e) {
      fail(`${quotef(src.name)}: cannot skip: ${strerror(errnoOf(e) || 'EIO')}`);
      return 1;
    }
  }
  if (seekBytes) {
    try {
      dst.seek(seekBytes);
    } catch (e) {
      fail(`${quotef(dst.name)}: cannot seek: ${strerror(errnoOf(e) || 'EIO')}`);
      return 1;
    }
  }
  const limit = o.count === undefined ? Infinity : o.iflag.has('count_bytes') ? o.count : o.count * o.ibs;
  // Aligned to the page as GNU dd's; an LV with checksums gives one its hash reads in place (the
  // source LV's, else the sink LV's: a write into it is then summed without a copy, ~90 ms per GiB).
  const ibuf = src.buffer?.(o.ibs) ?? dst.buffer?.(o.ibs) ?? alignedBuffer(o.ibs);
  const reblock = !o.bsGiven;
  const obuf = reblock ? alignedBuffer(o.obs) : ibuf;
  let ofill = 0;
  const zeros = o.conv.has('sparse') ? new Uint8Array(Math.max(o.ibs, o.obs)) : null;
  let inBytes = 0;

  /** Write one output record; false (after the message) on error. */
  const put = (block: Uint8Array, full: boolean): boolean => {
    try {
      if (zeros && Buffer.from(block.buffer, block.byteOffset, block.length).equals(zeros.subarray(0, block.length))) dst.seek(block.length);
      else dst.write(block);
    } catch (e) {
      c.wBytes += e instanceof ErrnoError ? e.done : 0;
      fail(`error writing ${quoteaf(dst.name)}: ${strerror(errnoOf(e) || 'EIO')}`);
      return false;
    }
    c.wBytes += block.length;
    if (full) c.wFull++;
    else c.wPartial++;
    return true;
  };

  while (inBytes < limit) {
    const want = Math.min(o.ibs, limit - inBytes);
    let n = 0;
    try {
      if (src.mayBlock) dst.idle?.();
      n = readBlock(src, ibuf.subarray(0, want), o.iflag.has('fullblock'));
      if (n === 0) break;
      inBytes += n;
      if (n === o.ibs) c.rFull++;
      else c.rPartial++;
    } catch (e) {
      // conv=noerror: report, skip the bad block, and (with conv=sync) write zeros for it.
      fail(`error reading ${quoteaf(src.name)}: ${strerror(errnoOf(e) || 'EIO')}`);
      if (!o.conv.has('noerror')) return 1;
      stats();
      try {
        src.skip(want);
      } catch {
        return 1;
      }
      inBytes += want;
      if (!o.conv.has('sync')) continue;
      n = 0;
      c.rPartial++; // as GNU dd: the zero-filled bad block is a partial record in
    }
    if (o.conv.has('sync') && n < o.ibs) {
      ibuf.fill(0, n);
      n = o.ibs;
    }
    if (!reblock) {
      if (!put(ibuf.subarray(0, n), n === o.obs)) return 1;
    } else {
      let off = 0;
      while (off < n) {
        const k = Math.min(o.obs - ofill, n - off);
        obuf.set(ibuf.subarray(off, off + k), ofill);
        ofill += k;
        off += k;
        if (ofill === o.obs) {
          if (!put(obuf, true)) return 1;
          ofill = 0;
        }
      }
    }
    progress();
  }
  if (ofill > 0 && !put(obuf.subarray(0, ofill), false)) return 1;
  return finish(o, dst, fail);
}

function readBlock(src: DdSource, buf: Uint8Array, fullblock: boolean): number {
  let n = src.read(buf);
  if (!fullblock) return n;
  while (n > 0 && n < buf.length) {
    const k = src.read(buf.subarray(n));
    if (k === 0) break;
    n += k;
  }
  return n;
}

function finish(o: DdOperands, dst: DdSink, fail: (m: string) => void): number {
  try {
    dst.finish();
    if (o.conv.has('fsync') || o.conv.has('fdatasync')) dst.sync(!o.conv.has('fsync'));
  } catch (e) {
    fail(`${o.conv.has('fsync') ? 'fsync' : 'fdatasync'} failed for ${quoteaf(dst.name)}: ${strerror(errnoOf(e) || 'EIO')}`);
    return 1;
  }
  return 0;
}
