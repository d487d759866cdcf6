// One NBD client connection on the server side: the fixed-newstyle handshake (NBD_OPT_GO, INFO,
// LIST, ABORT, EXPORT_NAME; everything else answered NBD_REP_ERR_UNSUP) and the transmission
// phase (READ, WRITE with FUA, FLUSH, TRIM, WRITE_ZEROES, DISC), nbdkit's protocol-handshake-
// newstyle.c and protocol.c in one state machine. Requests run one at a time in arrival order;
// a reply is sent only when the export has done the request (for a mirror: every live leg).
// Once a write or a flush failed on the export (an I/O error, not a refused request), every later
// write and flush of the connection fails with the same error: a client that sends writes and
// flushes without waiting for the answers (tsvm's replication shipper) must never have a flush
// make later writes durable over a write that was lost, nor later writes land after that hole.
// Linux reports a failed write-back at the next fsync the same way; reads go on, and a new
// connection starts clean.
import type { Duplex } from 'node:stream';
import { errnoOf } from '../lv-io/dd-endpoints.js';
import {
  ByteQueue, WireError, decodeClientFlags, decodeGoData, decodeOptionHeader, decodeRequest, encodeExportNameReply,
  encodeGreeting, encodeInfoBlockSize, encodeInfoExport, encodeInfoText, encodeOptionReply, encodeServerEntry,
  encodeSimpleReply, OPTION_HEADER_LEN, REQUEST_LEN, type Request,
} from './codec.js';
import type { ExportCatalog, NbdExport } from './export.js';
import {
  BLOCK_MIN, BLOCK_PREFERRED, Cmd, CmdFlag, FLAG_C_FIXED_NEWSTYLE, FLAG_C_NO_ZEROES, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES,
  Info, MAX_OPTION_LENGTH, MAX_PAYLOAD, NbdErr, Opt, Rep, TFlag, nbdErrorOf,
} from './protocol.js';

export interface ConnectionOptions {
  /** Every export is read-only on this listener. */
  readOnly?: boolean;
  /** Told when the connection ends (for open counts). */
  onClose?(conn: ServerConnection): void;
  /** Told when the connection enters transmission on an export. */
  onOpen?(conn: ServerConnection, exp: NbdExport): void;
}

type State = 'flags' | 'options' | 'transmission' | 'closed';

/** Bytes of replies queued on the socket before requests wait for it to drain. */
const REPLY_BACKLOG = 8 * 1024 * 1024;

/** How long a connection keeps its export's locks after its last request (ms). */
const IDLE_AFTER_MS = 2;

export class ServerConnection {
  private readonly q = new ByteQueue();
  private state: State = 'flags';
  private noZeroes = false;
  private busy = false;
  private idleTimer: NodeJS.Timeout | null = null;
  /** The NBD error of the first write or flush the export failed (0: none). */
  private writeFailed = 0;
  export: NbdExport | null = null;

  constructor(private readonly sock: Duplex, private readonly catalog: ExportCatalog, private readonly opts: ConnectionOptions = {}) {
    sock.on('data', (chunk: Buffer) => {
      this.q.push(chunk);
      this.pump();
    });
    sock.on('drain', () => this.pump());
    sock.on('error', () => this.close());
    sock.on('close', () => this.close());
    sock.on('end', () => this.close());
    sock.write(encodeGreeting(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES));
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Parse and handle every complete message queued, one at a time (async steps hold the queue). */
  private pump(): void {
    if (this.busy || this.state === 'closed') return;
    try {
      while ((this.state as State) !== 'closed' && !this.busy) {
        // Replies queued past this wait for 'drain'; below it the socket keeps the kernel busy.
        if (this.sock.writableLength > REPLY_BACKLOG) return;
        if (!this.step()) break;
      }
    } catch (e) {
      this.close();
      if (!(e instanceof WireError)) throw e;
      return;
    }
    if (this.state === 'transmission' && !this.busy) this.scheduleIdle();
  }

  /** Handle one message if it is all here; false when more bytes are needed. */
  private step(): boolean {
    if (this.state === 'flags') {
      if (this.q.length < 4) return false;
      const flags = decodeClientFlags(this.q.take(4), FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
      if (!(flags & FLAG_C_FIXED_NEWSTYLE)) throw new WireError('client does not speak fixed newstyle');
      this.noZeroes = !!(flags & FLAG_C_NO_ZEROES);
      this.state = 'options';
      return true;
    }
    if (this.state === 'options') return this.option();
    return this.request();
  }

  // ---- handshake ----

  private option(): boolean {
    if (this.q.length < OPTION_HEADER_LEN) return false;
    const { opt, length } = decodeOptionHeader(this.q.peek(OPTION_HEADER_LEN));
    if (length > MAX_OPTION_LENGTH) throw new WireError(`option ${opt} of ${length} bytes`);
    if (this.q.length < OPTION_HEADER_LEN + length) return false;
    this.q.skip(OPTION_HEADER_LEN);
    const data = this.q.take(length);
    switch (opt) {
      case Opt.EXPORT_NAME:
        this.startOpen(data.toString('utf8'), opt, []);
        return true;
      case Opt.ABORT:
        this.reply(opt, Rep.ACK);
        this.sock.end();
        this.close();
        return true;
      case Opt.LIST:
        if (length) return this.reply(opt, Rep.ERR_INVALID, 'NBD_OPT_LIST takes no data');
        for (const e of this.catalog.list()) this.reply(opt, Rep.SERVER, encodeServerEntry(e.name, e.description));
        return this.reply(opt, Rep.ACK);
      case Opt.INFO:
      case Opt.GO: {
        let go;
        try {
          go = decodeGoData(data);
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
          return this.reply(opt, Rep.ERR_INVALID, e.message);
        }
        this.startOpen(go.name, opt, go.infos);
        return true;
      }
      default:
        // STARTTLS, STRUCTURED_REPLY, meta contexts, extended headers, and anything unknown.
        return this.reply(opt, Rep.ERR_UNSUP, `option ${opt} is not supported`);
    }
  }

  private startOpen(name: string, opt: number, infos: number[]): void {
    this.busy = true;
    this.catalog.open(name).then((exp) => this.opened(exp, name, opt, infos), () => this.opened(null, name, opt, infos))
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private opened(exp: NbdExport | null, name: string, opt: number, infos: number[]): void {
    if (this.state === 'closed') {
      if (exp) this.catalog.release(exp);
      return;
    }
    if (!exp) {
      if (opt === Opt.EXPORT_NAME) return this.close(true); // the old option has no way to say no
      this.reply(opt, Rep.ERR_UNKNOWN, `no export named ${JSON.stringify(name)}`);
      return;
    }
    const flags = this.transmissionFlags(exp);
    if (opt === Opt.EXPORT_NAME) {
      this.sock.write(encodeExportNameReply(exp.size(), flags, this.noZeroes));
    } else {
      this.reply(opt, Rep.INFO, encodeInfoExport(exp.size(), flags));
      if (infos.includes(Info.NAME)) this.reply(opt, Rep.INFO, encodeInfoText(Info.NAME, exp.name));
      if (infos.includes(Info.DESCRIPTION)) this.reply(opt, Rep.INFO, encodeInfoText(Info.DESCRIPTION, exp.description));
      this.reply(opt, Rep.INFO, encodeInfoBlockSize(BLOCK_MIN, BLOCK_PREFERRED, MAX_PAYLOAD));
      this.reply(opt, Rep.ACK);
      if (opt === Opt.INFO) {
        this.catalog.release(exp);
        return;
      }
    }
    this.export = exp;
    this.state = 'transmission';
    this.opts.onOpen?.(this, exp);
  }

  private readOnly(exp: NbdExport): boolean {
    return exp.readOnly || !!this.opts.readOnly;
  }

  private transmissionFlags(exp: NbdExport): number {
    let f = TFlag.HAS_FLAGS | TFlag.SEND_FLUSH | TFlag.SEND_FUA | TFlag.CAN_MULTI_CONN;
    if (this.readOnly(exp)) f |= TFlag.READ_ONLY;
    else f |= TFlag.SEND_TRIM | TFlag.SEND_WRITE_ZEROES;
    return f;
  }

  private reply(opt: number, type: number, data?: Buffer | string): true {
    this.sock.write(encodeOptionReply(opt, type, typeof data === 'string' ? Buffer.from(data) : data));
    return true;
  }

  // ---- transmission ----

  private request(): boolean {
    if (this.q.length < REQUEST_LEN) return false;
    const r = decodeRequest(this.q.peek(REQUEST_LEN));
    if (r.type === Cmd.WRITE) {
      if (r.length > MAX_PAYLOAD) throw new WireError(`write of ${r.length} bytes is over the maximum payload`);
      if (this.q.length < REQUEST_LEN + r.length) return false;
    }
    this.q.skip(REQUEST_LEN);
    const payload = r.type === Cmd.WRITE ? this.q.take(r.length) : null;
    this.cancelIdle();
    if (r.type === Cmd.DISC) {
      this.sock.end();
      this.close();
      return true;
    }
    const error = this.run(r, payload);
    if (error === 0 && r.type === Cmd.READ) {
      // Header and data in one writev.
      this.sock.cork();
      this.sock.write(encodeSimpleReply(0, r.cookie));
      this.sock.write(this.readBuf!);
      this.sock.uncork();
      this.readBuf = null;
    } else {
      this.sock.write(encodeSimpleReply(error, r.cookie));
    }
    return true;
  }

  private readBuf: Buffer | null = null;

  /** Do one request; the NBD error to reply with (0 for success). */
  private run(r: Request, payload: Buffer | null): number {
    const exp = this.export!;
    const known = r.type === Cmd.READ ? CmdFlag.DF
      : r.type === Cmd.WRITE || r.type === Cmd.TRIM ? CmdFlag.FUA
        : r.type === Cmd.WRITE_ZEROES ? CmdFlag.FUA | CmdFlag.NO_HOLE | CmdFlag.FAST_ZERO : 0;
    if (r.flags & ~known) return NbdErr.EINVAL;
    const fua = !!(r.flags & CmdFlag.FUA);
    const writes = r.type === Cmd.WRITE || r.type === Cmd.TRIM || r.type === Cmd.WRITE_ZEROES;
    if (writes && this.readOnly(exp)) return NbdErr.EPERM;
    if (this.writeFailed && (writes || r.type === Cmd.FLUSH)) return this.writeFailed;
    if (r.type === Cmd.READ && r.length > MAX_PAYLOAD) return NbdErr.EINVAL;
    if (r.type === Cmd.WRITE_ZEROES && r.flags & CmdFlag.FAST_ZERO) return NbdErr.ENOTSUP;
    const inRange = r.offset + r.length <= exp.size();
    try {
      switch (r.type) {
        case Cmd.READ:
          if (!inRange) return NbdErr.EINVAL;
          this.readBuf = Buffer.allocUnsafe(r.length);
          exp.pread(this.readBuf, r.offset);
          return 0;
        case Cmd.WRITE:
          if (!inRange) return NbdErr.ENOSPC;
          exp.pwrite(payload!, r.offset, fua);
          return 0;
        case Cmd.FLUSH:
          exp.flush();
          return 0;
        case Cmd.TRIM:
          if (!inRange) return NbdErr.ENOSPC;
          exp.trim(r.offset, r.length, fua);
          return 0;
        case Cmd.WRITE_ZEROES:
          if (!inRange) return NbdErr.ENOSPC;
          exp.zero(r.offset, r.length, fua);
          return 0;
        default:
          return NbdErr.EINVAL; // CACHE, BLOCK_STATUS (no meta context), RESIZE, unknown
      }
    } catch (e) {
      this.readBuf = null;
      const error = nbdErrorOf(errnoOf(e));
      // (A request the export refused, EINVAL or EPERM, wrote nothing: no hole behind it.)
      if (r.type !== Cmd.READ && error !== NbdErr.EINVAL && error !== NbdErr.EPERM) this.writeFailed = error;
      return error;
    }
  }

  private scheduleIdle(): void {
    if (this.idleTimer || !this.export) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (!this.closed && !this.busy) this.idleExport();
    }, IDLE_AFTER_MS);
  }

  private idleExport(): void {
    try {
      this.export?.idle();
    } catch {
      /* nothing to give up */
    }
  }

  private cancelIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** End the connection (destroy: at once, without sending what is queued). */
  close(destroy = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelIdle();
    if (destroy) this.sock.destroy();
    else this.sock.end();
    const exp = this.export;
    this.export = null;
    if (exp) {
      this.idleExport();
      this.catalog.release(exp);
    }
    this.opts.onClose?.(this);
  }
}
