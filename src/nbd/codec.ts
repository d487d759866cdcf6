// The NBD wire format, both directions (server and client share it): encoders that build each
// message of the handshake and of transmission, decoders that read them back from exact-length
// buffers and refuse what the protocol forbids (WireError), and ByteQueue, the receive buffer
// both ends parse from. No sockets here (nbdkit's split: protocol-handshake*.c / protocol.c).
import {
  FLAG_FIXED_NEWSTYLE, IHAVEOPT, Info, NBDMAGIC, OPTION_REPLY_MAGIC, REQUEST_MAGIC, SIMPLE_REPLY_MAGIC,
  STRUCTURED_REPLY_MAGIC,
} from './protocol.js';

/** A message that breaks the protocol: the connection cannot go on. */
export class WireError extends Error {}

export const GREETING_LEN = 18;
export const OPTION_HEADER_LEN = 16;
export const OPTION_REPLY_HEADER_LEN = 20;
export const REQUEST_LEN = 28;
export const SIMPLE_REPLY_LEN = 16;
export const STRUCTURED_REPLY_HEADER_LEN = 20;
/** Size + flags (+ 124 zero bytes unless NO_ZEROES) in reply to NBD_OPT_EXPORT_NAME. */
export const EXPORT_NAME_REPLY_LEN = 10;
export const EXPORT_NAME_ZEROES = 124;

/** Received bytes, consumed in whole messages: chunks are kept as they came and copied only when a message spans two. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (!chunk.length) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Remove and return the next n bytes (n <= length). */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError(`take(${n}) with ${this.length} bytes queued`);
    this.length -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) this.dropFirst();
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - got, c.length - this.head);
      c.copy(out, got, this.head, this.head + k);
      got += k;
      this.head += k;
      if (this.head === c.length) this.dropFirst();
    }
    return out;
  }

  /** The next n bytes (n <= length) without consuming them: a header whose payload may not be here yet. */
  peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    for (let i = 0, h = this.head; got < n; i++, h = 0) {
      const c = this.chunks[i]!;
      const k = Math.min(n - got, c.length - h);
      c.copy(out, got, h, h + k);
      got += k;
    }
    return out;
  }

  /** Throw away the next n bytes (n <= length). */
  skip(n: number): void {
    while (n > 0) {
      const c = this.chunks[0]!;
      const k = Math.min(n, c.length - this.head);
      this.head += k;
      this.length -= k;
      n -= k;
      if (this.head === c.length) this.dropFirst();
    }
  }

  private dropFirst(): void {
    this.chunks.shift();
    this.head = 0;
  }
}

// ---- handshake: server greeting and client flags ----

export function encodeGreeting(flags: number): Buffer {
  const b = Buffer.alloc(GREETING_LEN);
  b.writeBigUInt64BE(NBDMAGIC, 0);
  b.writeBigUInt64BE(IHAVEOPT, 8);
  b.writeUInt16BE(flags, 16);
  return b;
}

export function decodeGreeting(b: Buffer): { flags: number } {
  if (b.readBigUInt64BE(0) !== NBDMAGIC) throw new WireError('not an NBD server (bad magic)');
  if (b.readBigUInt64BE(8) !== IHAVEOPT) throw new WireError('server does not speak newstyle NBD');
  const flags = b.readUInt16BE(16);
  if (!(flags & FLAG_FIXED_NEWSTYLE)) throw new WireError('server does not speak fixed newstyle NBD');
  return { flags };
}

export function encodeClientFlags(flags: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(flags, 0);
  return b;
}

export function decodeClientFlags(b: Buffer, known: number): number {
  const flags = b.readUInt32BE(0);
  if (flags & ~known) throw new WireError(`unknown client flags 0x${flags.toString(16)}`);
  return flags;
}

// ---- options (haggling) ----

export function encodeOption(opt: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(OPTION_HEADER_LEN + data.length);
  b.writeBigUInt64BE(IHAVEOPT, 0);
  b.writeUInt32BE(opt, 8);
  b.writeUInt32BE(data.length, 12);
  data.copy(b, OPTION_HEADER_LEN);
  return b;
}

export function decodeOptionHeader(b: Buffer): { opt: number; length: number } {
  if (b.readBigUInt64BE(0) !== IHAVEOPT) throw new WireError('bad option magic');
  return { opt: b.readUInt32BE(8), length: b.readUInt32BE(12) };
}

export function encodeOptionReply(opt: number, type: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(OPTION_REPLY_HEADER_LEN + data.length);
  b.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  b.writeUInt32BE(opt, 8);
  b.writeUInt32BE(type >>> 0, 12);
  b.writeUInt32BE(data.length, 16);
  data.copy(b, OPTION_REPLY_HEADER_LEN);
  return b;
}

export function decodeOptionReplyHeader(b: Buffer): { opt: number; type: number; length: number } {
  if (b.readBigUInt64BE(0) !== OPTION_REPLY_MAGIC) throw new WireError('bad option reply magic');
  return { opt: b.readUInt32BE(8), type: b.readUInt32BE(12), length: b.readUInt32BE(16) };
}

/** NBD_OPT_INFO / NBD_OPT_GO data: the export name and the info types the client asks for. */
export function encodeGoData(name: string, infos: number[] = []): Buffer {
  const n = Buffer.from(name, 'utf8');
  const b = Buffer.alloc(4 + n.length + 2 + 2 * infos.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  b.writeUInt16BE(infos.length, 4 + n.length);
  infos.forEach((t, i) => b.writeUInt16BE(t, 6 + n.length + 2 * i));
  return b;
}

export function decodeGoData(b: Buffer): { name: string; infos: number[] } {
  if (b.length < 6) throw new WireError('NBD_OPT_GO data too short');
  const nameLen = b.readUInt32BE(0);
  if (4 + nameLen + 2 > b.length) throw new WireError('export name longer than the option');
  const name = b.toString('utf8', 4, 4 + nameLen);
  const count = b.readUInt16BE(4 + nameLen);
  if (b.length !== 6 + nameLen + 2 * count) throw new WireError('NBD_OPT_GO data length does not match its info requests');
  const infos: number[] = [];
  for (let i = 0; i < count; i++) infos.push(b.readUInt16BE(6 + nameLen + 2 * i));
  return { name, infos };
}

/** An NBD_REP_SERVER entry of NBD_OPT_LIST. */
export function encodeServerEntry(name: string, description = ''): Buffer {
  const n = Buffer.from(name, 'utf8');
  const d = Buffer.from(description, 'utf8');
  const b = Buffer.alloc(4 + n.length + d.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  d.copy(b, 4 + n.length);
  return b;
}

export function decodeServerEntry(b: Buffer): { name: string; description: string } {
  if (b.length < 4) throw new WireError('NBD_REP_SERVER too short');
  const len = b.readUInt32BE(0);
  if (4 + len > b.length) throw new WireError('NBD_REP_SERVER name longer than the reply');
  return { name: b.toString('utf8', 4, 4 + len), description: b.toString('utf8', 4 + len) };
}

export function encodeInfoExport(size: number, flags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(Info.EXPORT, 0);
  b.writeBigUInt64BE(BigInt(size), 2);
  b.writeUInt16BE(flags, 10);
  return b;
}

export function encodeInfoText(type: number, text: string): Buffer {
  return Buffer.concat([u16(type), Buffer.from(text, 'utf8')]);
}

export function encodeInfoBlockSize(min: number, preferred: number, max: number): Buffer {
  const b = Buffer.alloc(14);
  b.writeUInt16BE(Info.BLOCK_SIZE, 0);
  b.writeUInt32BE(min, 2);
  b.writeUInt32BE(preferred, 6);
  b.writeUInt32BE(max, 10);
  return b;
}

export type InfoReply =
  | { type: typeof Info.EXPORT; size: number; flags: number }
  | { type: typeof Info.NAME | typeof Info.DESCRIPTION; text: string }
  | { type: typeof Info.BLOCK_SIZE; min: number; preferred: number; max: number }
  | { type: number };

export function decodeInfo(b: Buffer): InfoReply {
  if (b.length < 2) throw new WireError('NBD_REP_INFO too short');
  const type = b.readUInt16BE(0);
  if (type === Info.EXPORT) {
    if (b.length !== 12) throw new WireError('NBD_INFO_EXPORT of the wrong length');
    return { type, size: Number(b.readBigUInt64BE(2)), flags: b.readUInt16BE(10) };
  }
  if (type === Info.NAME || type === Info.DESCRIPTION) return { type, text: b.toString('utf8', 2) };
  if (type === Info.BLOCK_SIZE) {
    if (b.length !== 14) throw new WireError('NBD_INFO_BLOCK_SIZE of the wrong length');
    return { type, min: b.readUInt32BE(2), preferred: b.readUInt32BE(6), max: b.readUInt32BE(10) };
  }
  return { type };
}

/** Reply to the old NBD_OPT_EXPORT_NAME: size and flags, then 124 zeroes unless NO_ZEROES was agreed. */
export function encodeExportNameReply(size: number, flags: number, noZeroes: boolean): Buffer {
  const b = Buffer.alloc(EXPORT_NAME_REPLY_LEN + (noZeroes ? 0 : EXPORT_NAME_ZEROES));
  b.writeBigUInt64BE(BigInt(size), 0);
  b.writeUInt16BE(flags, 8);
  return b;
}

// ---- transmission ----

export interface Request {
  flags: number;
  type: number;
  cookie: bigint;
  offset: number;
  length: number;
}

export function encodeRequest(r: Request): Buffer {
  const b = Buffer.alloc(REQUEST_LEN);
  b.writeUInt32BE(REQUEST_MAGIC, 0);
  b.writeUInt16BE(r.flags, 4);
  b.writeUInt16BE(r.type, 6);
  b.writeBigUInt64BE(r.cookie, 8);
  b.writeBigUInt64BE(BigInt(r.offset), 16);
  b.writeUInt32BE(r.length, 24);
  return b;
}

export function decodeRequest(b: Buffer): Request {
  if (b.readUInt32BE(0) !== REQUEST_MAGIC) throw new WireError('bad request magic');
  const offset = b.readBigUInt64BE(16);
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError('request offset out of range');
  return { flags: b.readUInt16BE(4), type: b.readUInt16BE(6), cookie: b.readBigUInt64BE(8), offset: Number(offset), length: b.readUInt32BE(24) };
}

export function encodeSimpleReply(error: number, cookie: bigint): Buffer {
  const b = Buffer.alloc(SIMPLE_REPLY_LEN);
  b.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  b.writeUInt32BE(error, 4);
  b.writeBigUInt64BE(cookie, 8);
  return b;
}

export type Reply =
  | { kind: 'simple'; error: number; cookie: bigint }
  | { kind: 'structured'; flags: number; type: number; cookie: bigint; length: number };

/** The fixed part of a reply: 16 bytes of a simple reply, or 20 of a structured chunk's header. */
export function replyHeaderLength(first4: Buffer): number {
  const magic = first4.readUInt32BE(0);
  if (magic === SIMPLE_REPLY_MAGIC) return SIMPLE_REPLY_LEN;
  if (magic === STRUCTURED_REPLY_MAGIC) return STRUCTURED_REPLY_HEADER_LEN;
  throw new WireError(`bad reply magic 0x${magic.toString(16)}`);
}

export function decodeReply(b: Buffer): Reply {
  const magic = b.readUInt32BE(0);
  if (magic === SIMPLE_REPLY_MAGIC) return { kind: 'simple', error: b.readUInt32BE(4), cookie: b.readBigUInt64BE(8) };
  if (magic === STRUCTURED_REPLY_MAGIC) {
    return { kind: 'structured', flags: b.readUInt16BE(4), type: b.readUInt16BE(6), cookie: b.readBigUInt64BE(8), length: b.readUInt32BE(16) };
  }
  throw new WireError(`bad reply magic 0x${magic.toString(16)}`);
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}
