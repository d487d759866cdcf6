// tsvm's NBD client: the other end of the same codec (codec.ts). Connects over a unix socket or
// TCP, negotiates fixed newstyle with NBD_OPT_GO (or lists exports), then sends requests and
// matches replies by cookie, several in flight. Used by the tests that speak raw NBD to the server
// and by what ships writes to remote NBD exports.
import { connect, type Socket } from 'node:net';
import {
  ByteQueue, WireError, decodeGreeting, decodeInfo, decodeOptionReplyHeader, decodeReply, decodeServerEntry,
  encodeClientFlags, encodeGoData, encodeOption, encodeRequest, GREETING_LEN, OPTION_REPLY_HEADER_LEN,
  replyHeaderLength,
} from './codec.js';
import { Cmd, CmdFlag, FLAG_C_FIXED_NEWSTYLE, FLAG_C_NO_ZEROES, FLAG_NO_ZEROES, Info, Opt, Rep, TFlag, isErrorReply } from './protocol.js';
import type { NbdAddress } from './uri.js';

/** An NBD error reply to a request, or a refused option: `errno` is the wire value. */
export class NbdRequestError extends Error {
  constructor(readonly errno: number, what: string) {
    super(`${what} failed with NBD error ${errno}`);
  }
}

interface Pending {
  resolve(v: Buffer | null): void;
  reject(e: Error): void;
  readLength: number;
  what: string;
}

export class NbdClient {
  private readonly q = new ByteQueue();
  private waiter: { n: number; resolve(b: Buffer): void; reject(e: Error): void } | null = null;
  private readonly pending = new Map<bigint, Pending>();
  private cookie = 1n;
  private failed: Error | null = null;
  size = 0;
  flags = 0;
  blockSize = { min: 1, preferred: 4096, max: 32 * 1024 * 1024 };
  /** NBD_INFO_DESCRIPTION, when the server gave one (tsvm's says an LV's replication role). */
  description = '';

  private constructor(private readonly sock: Socket) {
    sock.on('data', (c: Buffer) => {
      this.q.push(c);
      this.feed();
    });
    const fail = (e: Error) => this.fail(e);
    sock.on('error', fail);
    sock.on('close', () => this.fail(new Error('NBD connection closed')));
  }

  /** Connect and negotiate `exportName` with NBD_OPT_GO. */
  static async open(addr: NbdAddress, exportName = addr.exportName ?? ''): Promise<NbdClient> {
    const c = await NbdClient.connect(addr);
    try {
      await c.go(exportName);
    } catch (e) {
      c.sock.destroy();
      throw e;
    }
    c.startTransmission();
    return c;
  }

  /** The exports a server lists (NBD_OPT_LIST), then NBD_OPT_ABORT. */
  static async list(addr: NbdAddress): Promise<string[]> {
    const c = await NbdClient.connect(addr);
    try {
      c.sock.write(encodeOption(Opt.LIST));
      const names: string[] = [];
      for (;;) {
        const { type, data } = await c.optionReply(Opt.LIST);
        if (type === Rep.ACK) break;
        if (isErrorReply(type)) throw new NbdRequestError(type, 'NBD_OPT_LIST');
        names.push(decodeServerEntry(data).name);
      }
      c.sock.write(encodeOption(Opt.ABORT));
      return names;
    } finally {
      c.sock.end();
    }
  }

  private static async connect(addr: NbdAddress): Promise<NbdClient> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = addr.socket ? connect(addr.socket) : connect(addr.port ?? 10809, addr.host ?? 'localhost');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    sock.setNoDelay?.(true);
    const c = new NbdClient(sock);
    const { flags } = decodeGreeting(await c.read(GREETING_LEN));
    sock.write(encodeClientFlags(FLAG_C_FIXED_NEWSTYLE | (flags & FLAG_NO_ZEROES ? FLAG_C_NO_ZEROES : 0)));
    return c;
  }

  private async go(name: string): Promise<void> {
    this.sock.write(encodeOption(Opt.GO, encodeGoData(name, [Info.BLOCK_SIZE, Info.DESCRIPTION])));
    for (;;) {
      const { type, data } = await this.optionReply(Opt.GO);
      if (type === Rep.ACK) return;
      if (isErrorReply(type)) throw new NbdRequestError(type, `NBD_OPT_GO ${JSON.stringify(name)} (${data.toString()})`);
      if (type !== Rep.INFO) continue;
      const info = decodeInfo(data);
      if ('size' in info) {
        this.size = info.size;
        this.flags = info.flags;
      } else if ('preferred' in info) {
        this.blockSize = { min: info.min, preferred: info.preferred, max: info.max };
      } else if ('text' in info && info.type === Info.DESCRIPTION) {
        this.description = info.text;
      }
    }
  }

  private async optionReply(opt: number): Promise<{ type: number; data: Buffer }> {
    const h = decodeOptionReplyHeader(await this.read(OPTION_REPLY_HEADER_LEN));
    if (h.opt !== opt) throw new WireError(`reply to option ${h.opt} while waiting for ${opt}`);
    return { type: h.type, data: await this.read(h.length) };
  }

  /** The connection is gone (closed by the server, or failed): every request would fail. */
  get broken(): boolean {
    return this.failed !== null;
  }

  get readOnly(): boolean {
    return !!(this.flags & TFlag.READ_ONLY);
  }

  // ---- transmission ----

  pread(offset: number, length: number): Promise<Buffer> {
    return this.send(Cmd.READ, 0, offset, length, null, length) as Promise<Buffer>;
  }

  async pwrite(data: Buffer, offset: number, fua = false): Promise<void> {
    await this.send(Cmd.WRITE, fua ? CmdFlag.FUA : 0, offset, data.length, data, 0);
  }

  /**
   * Write `data` at `offset` as consecutive requests of at most `requestBytes`, sent together (one
   * writev): resolved once the server acknowledged every one. A server that runs requests in
   * parallel may apply them in any order.
   */
  async pwriteInRequests(data: Buffer, offset: number, requestBytes: number): Promise<void> {
    if (data.length <= requestBytes) return this.pwrite(data, offset);
    const acks: Promise<Buffer | null>[] = [];
    this.sock.cork();
    for (let at = 0; at < data.length; at += requestBytes) {
      const n = Math.min(requestBytes, data.length - at);
      acks.push(this.send(Cmd.WRITE, 0, offset + at, n, data.subarray(at, at + n), 0));
    }
    this.sock.uncork();
    // Every request settles (none is left rejected unhandled); the first failure is the answer.
    const results = await Promise.allSettled(acks);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async flush(): Promise<void> {
    await this.send(Cmd.FLUSH, 0, 0, 0, null, 0);
  }

  async trim(offset: number, length: number): Promise<void> {
    await this.send(Cmd.TRIM, 0, offset, length, null, 0);
  }

  async zero(offset: number, length: number, fua = false): Promise<void> {
    await this.send(Cmd.WRITE_ZEROES, fua ? CmdFlag.FUA : 0, offset, length, null, 0);
  }

  /** Any request, flags and all (tests send what a well-behaved client would not). */
  send(type: number, flags: number, offset: number, length: number, data: Buffer | null, readLength: number): Promise<Buffer | null> {
    if (this.failed) return Promise.reject(this.failed);
    const cookie = this.cookie++;
    const p = new Promise<Buffer | null>((resolve, reject) => this.pending.set(cookie, { resolve, reject, readLength, what: `request ${type}` }));
    // One writev for the header and the data (not a 28-byte segment of its own first).
    this.sock.cork();
    this.sock.write(encodeRequest({ type, flags, cookie, offset, length }));
    if (data) this.sock.write(data);
    this.sock.uncork();
    return p;
  }

  /** NBD_CMD_DISC, then the end of the connection. */
  async disconnect(): Promise<void> {
    if (!this.failed) this.sock.end(encodeRequest({ type: Cmd.DISC, flags: 0, cookie: 0n, offset: 0, length: 0 }));
    await new Promise<void>((r) => (this.sock.closed ? r() : this.sock.once('close', () => r())));
  }

  /** Drop the connection now (a link that stopped answering): pending requests fail. */
  destroy(): void {
    this.fail(new Error('NBD connection dropped'));
    this.sock.destroy();
  }

  // ---- receiving ----

  private transmission = false;

  private startTransmission(): void {
    this.transmission = true;
    this.feed();
  }

  /** Handshake: wait for exactly n bytes. */
  private read(n: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.feed();
    });
  }

  private feed(): void {
    if (this.waiter) {
      if (this.q.length < this.waiter.n) return;
      const w = this.waiter;
      this.waiter = null;
      w.resolve(this.q.take(w.n));
      return;
    }
    if (!this.transmission) return;
    try {
      while (this.q.length >= 4) {
        const hlen = replyHeaderLength(this.q.peek(4));
        if (this.q.length < hlen) return;
        const r = decodeReply(this.q.peek(hlen));
        if (r.kind !== 'simple') throw new WireError('structured reply without negotiation');
        const p = this.pending.get(r.cookie);
        if (!p) throw new WireError(`reply to unknown cookie ${r.cookie}`);
        const dataLen = r.error ? 0 : p.readLength;
        if (this.q.length < hlen + dataLen) return;
        this.q.skip(hlen);
        this.pending.delete(r.cookie);
        if (r.error) p.reject(new NbdRequestError(r.error, p.what));
        else p.resolve(dataLen ? Buffer.from(this.q.take(dataLen)) : null);
      }
    } catch (e) {
      this.fail(e as Error);
      this.sock.destroy();
    }
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    this.waiter?.reject(e);
    this.waiter = null;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
