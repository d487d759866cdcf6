// The NBD wire code on its own (src/nbd/codec.ts, server-connection.ts, client.ts): tsvm's client
// against tsvm's server over a unix socket, serving a buffer. Bad input of every kind (handshake,
// options, requests, garbage) gets an error reply or a closed connection, the server goes on
// serving others, and no byte outside a valid write changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ServerConnection } from '../src/nbd/server-connection.js';
import { NbdClient, NbdRequestError } from '../src/nbd/client.js';
import type { ExportCatalog, NbdExport } from '../src/nbd/export.js';
import { until } from './helpers/serving.js';
import {
  ByteQueue, decodeGoData, decodeRequest, encodeClientFlags, encodeGoData, encodeOption, encodeRequest, WireError,
} from '../src/nbd/codec.js';
import { Cmd, CmdFlag, IHAVEOPT, NbdErr, Opt, Rep, TFlag } from '../src/nbd/protocol.js';

class MemExport implements NbdExport {
  readonly description = 'a buffer';
  flushes = 0;
  constructor(readonly name: string, readonly data: Buffer, readonly readOnly = false) {}
  size() { return this.data.length; }
  pread(buf: Buffer, off: number) { this.data.copy(buf, 0, off, off + buf.length); }
  pwrite(buf: Buffer, off: number) {
    if (off + buf.length > this.data.length) throw Object.assign(new Error('past the end'), { code: 'ENOSPC' });
    buf.copy(this.data, off);
  }
  flush() { this.flushes++; }
  trim() {}
  zero(off: number, len: number) { this.data.fill(0, off, off + len); }
  idle() {}
}

const dir = mkdtempSync(join(tmpdir(), 'tsvm-nbd-proto-'));
const sock = join(dir, 's.sock');
const exports = new Map<string, MemExport>();
let server: Server;
const conns: ServerConnection[] = [];

const catalog: ExportCatalog = {
  list: () => [...exports.values()].map((e) => ({ name: e.name, description: e.description })),
  open: async (name) => exports.get(name) ?? null,
  release: () => undefined,
};

beforeAll(async () => {
  server = createServer((s) => conns.push(new ServerConnection(s, catalog)));
  await new Promise<void>((r) => server.listen(sock, () => r()));
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function fresh(name: string, size = 1 << 20, readOnly = false): MemExport {
  const e = new MemExport(name, randomBytes(size), readOnly);
  exports.set(name, e);
  return e;
}

/** A raw connection past the greeting, with everything the server sends collected. */
async function raw(): Promise<{ s: Socket; got: () => Buffer; closed: Promise<void> }> {
  const s = connect(sock);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  await until(() => Buffer.concat(chunks).length >= 18);
  return { s, got: () => Buffer.concat(chunks).subarray(18), closed };
}

/** Option replies in `b`: [option, type, data]. */
function optionReplies(b: Buffer): Array<[number, number, Buffer]> {
  const out: Array<[number, number, Buffer]> = [];
  for (let i = 0; i + 20 <= b.length;) {
    const len = b.readUInt32BE(i + 16);
    out.push([b.readUInt32BE(i + 8), b.readUInt32BE(i + 12), b.subarray(i + 20, i + 20 + len)]);
    i += 20 + len;
  }
  return out;
}

const addr = { socket: sock };

describe('codec', () => {
  it('round-trips requests and GO data, and refuses bad magic', () => {
    const r = { flags: CmdFlag.FUA, type: Cmd.WRITE, cookie: 0x1122334455667788n, offset: 2 ** 40 + 512, length: 4096 };
    expect(decodeRequest(encodeRequest(r))).toEqual(r);
    expect(decodeGoData(encodeGoData('vg/lv', [1, 3]))).toEqual({ name: 'vg/lv', infos: [1, 3] });
    const bad = encodeRequest(r);
    bad[0] ^= 0xff;
    expect(() => decodeRequest(bad)).toThrow(WireError);
    expect(() => decodeGoData(Buffer.from([0, 0, 0, 9, 1, 2]))).toThrow(WireError);
  });

  it('ByteQueue hands back messages that span chunks', () => {
    const q = new ByteQueue();
    const all = randomBytes(1000);
    for (let i = 0; i < 1000; i += 7) q.push(all.subarray(i, i + 7));
    expect(Buffer.concat([q.take(3), q.take(500), q.take(497)])).toEqual(all);
    expect(q.length).toBe(0);
  });
});

describe('server and client', () => {
  it('negotiates with GO and does reads, writes (FUA), flush, trim and zeroes', async () => {
    const e = fresh('a');
    const before = Buffer.from(e.data);
    const c = await NbdClient.open(addr, 'a');
    expect(c.size).toBe(1 << 20);
    expect(c.flags & TFlag.SEND_FUA).toBeTruthy();
    expect((await c.pread(4096, 8192)).equals(before.subarray(4096, 4096 + 8192))).toBe(true);
    const w = randomBytes(70_000);
    await c.pwrite(w, 1234, true);
    await c.zero(500_000, 3000);
    await c.trim(0, 4096);
    await c.flush();
    expect(e.data.subarray(1234, 1234 + w.length).equals(w)).toBe(true);
    expect(e.data.subarray(500_000, 503_000).every((b) => b === 0)).toBe(true);
    expect(e.flushes).toBeGreaterThan(0);
    await c.disconnect();
  });

  it('lists exports and says which ones are unknown', async () => {
    fresh('b');
    expect(await NbdClient.list(addr)).toEqual(expect.arrayContaining(['a', 'b']));
    await expect(NbdClient.open(addr, 'nope')).rejects.toThrow(/NBD error 2147483654/);
  });

  it('refuses requests past the end and writes to a read-only export, changing nothing', async () => {
    const e = fresh('ro', 65536, true);
    const before = Buffer.from(e.data);
    const c = await NbdClient.open(addr, 'ro');
    expect(c.readOnly).toBe(true);
    await expect(c.pwrite(Buffer.alloc(512, 1), 0)).rejects.toMatchObject({ errno: NbdErr.EPERM });
    const f = fresh('rw', 65536);
    const fb = Buffer.from(f.data);
    const d = await NbdClient.open(addr, 'rw');
    await expect(d.pread(65536 - 100, 200)).rejects.toMatchObject({ errno: NbdErr.EINVAL });
    await expect(d.pwrite(Buffer.alloc(200, 7), 65536 - 100)).rejects.toMatchObject({ errno: NbdErr.ENOSPC });
    await expect(d.send(Cmd.READ, CmdFlag.FUA, 0, 10, null, 10)).rejects.toMatchObject({ errno: NbdErr.EINVAL });
    await expect(d.send(42, 0, 0, 10, null, 0)).rejects.toMatchObject({ errno: NbdErr.EINVAL });
    expect((await d.pread(0, 16)).equals(fb.subarray(0, 16))).toBe(true); // the connection goes on
    expect(e.data.equals(before)).toBe(true);
    expect(f.data.equals(fb)).toBe(true);
    await c.disconnect();
    await d.disconnect();
  });

  it('fails every later write and flush of a connection once a write failed, so no barrier covers the hole', async () => {
    const e = fresh('eio', 65536);
    const before = Buffer.from(e.data);
    // The export's disk fails the write at 4096 (an I/O error, not a refused request).
    const pwrite = e.pwrite.bind(e);
    e.pwrite = (buf: Buffer, off: number) => {
      if (off === 4096) throw Object.assign(new Error('the disk failed'), { code: 'EIO' });
      pwrite(buf, off);
    };
    const c = await NbdClient.open(addr, 'eio');
    // Sent together, as the replication shipper sends to tsvm's daemon: write, failing write, flush, write.
    const results = await Promise.allSettled([
      c.pwrite(Buffer.alloc(512, 1), 0), c.pwrite(Buffer.alloc(512, 2), 4096), c.flush(), c.pwrite(Buffer.alloc(512, 3), 8192),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? 0 : (r.reason as NbdRequestError).errno))).toEqual([0, NbdErr.EIO, NbdErr.EIO, NbdErr.EIO]);
    const flushes = e.flushes;
    expect(e.data.subarray(0, 512).equals(Buffer.alloc(512, 1))).toBe(true);
    expect(e.data.subarray(8192, 8704).equals(before.subarray(8192, 8704)), 'the write after the hole did not land').toBe(true);
    await expect(c.zero(16384, 512)).rejects.toMatchObject({ errno: NbdErr.EIO });
    expect((await c.pread(8192, 16)).equals(before.subarray(8192, 8208))).toBe(true); // reads go on
    expect(e.flushes).toBe(flushes);
    await c.disconnect();
    // A new connection starts clean; refused requests (past the end) do not make a connection fail.
    const d = await NbdClient.open(addr, 'eio');
    await expect(d.pwrite(Buffer.alloc(200, 7), 65536 - 100)).rejects.toMatchObject({ errno: NbdErr.ENOSPC });
    await d.pwrite(Buffer.alloc(512, 4), 8192);
    await d.flush();
    expect(e.data.subarray(8192, 8704).equals(Buffer.alloc(512, 4))).toBe(true);
    await d.disconnect();
  });

  it('answers unknown and unsupported options with NBD_REP_ERR_UNSUP and goes on', async () => {
    const { s, got } = await raw();
    s.write(encodeClientFlags(3));
    s.write(encodeOption(Opt.STRUCTURED_REPLY));
    s.write(encodeOption(999, Buffer.from('x')));
    s.write(encodeOption(Opt.GO, Buffer.from([0, 0, 0, 50, 1])));
    s.write(encodeOption(Opt.LIST, Buffer.from('junk')));
    s.write(encodeOption(Opt.INFO, encodeGoData('a')));
    await until(() => optionReplies(got()).some(([o, t]) => o === Opt.INFO && t === Rep.ACK));
    const types = optionReplies(got()).map(([o, t]) => [o, t]);
    expect(types.slice(0, 4)).toEqual([[Opt.STRUCTURED_REPLY, Rep.ERR_UNSUP], [999, Rep.ERR_UNSUP], [Opt.GO, Rep.ERR_INVALID], [Opt.LIST, Rep.ERR_INVALID]]);
    s.write(encodeOption(Opt.ABORT));
    await until(() => optionReplies(got()).some(([o]) => o === Opt.ABORT));
    s.destroy();
  });

  it('closes the connection on a malformed handshake, an oversized option or write, and a bad request magic', async () => {
    const cases: Array<(s: Socket) => void> = [
      (s) => s.write(Buffer.from([0, 0, 0, 0x80])), // unknown client flags
      (s) => s.write(Buffer.concat([encodeClientFlags(1), Buffer.alloc(16, 0x41)])), // bad option magic
      (s) => {
        const h = Buffer.alloc(16);
        h.writeBigUInt64BE(IHAVEOPT, 0);
        h.writeUInt32BE(Opt.GO, 8);
        h.writeUInt32BE(0x7fffffff, 12);
        s.write(Buffer.concat([encodeClientFlags(1), h]));
      },
    ];
    for (const send of cases) {
      const { s, closed } = await raw();
      send(s);
      await closed;
    }
    const e = fresh('big', 65536);
    const before = Buffer.from(e.data);
    for (const req of [
      encodeRequest({ flags: 0, type: Cmd.WRITE, cookie: 1n, offset: 0, length: 64 * 1024 * 1024 }),
      Buffer.alloc(28, 0x55),
    ]) {
      const { s, closed } = await raw();
      s.write(Buffer.concat([encodeClientFlags(1), encodeOption(Opt.GO, encodeGoData('big'))]));
      s.write(req);
      s.write(Buffer.alloc(4096, 9));
      await closed;
    }
    expect(e.data.equals(before)).toBe(true);
  });

  it('a client that disconnects in the middle of a write changes nothing', async () => {
    const e = fresh('mid', 1 << 20);
    const before = Buffer.from(e.data);
    const { s, got } = await raw();
    s.write(Buffer.concat([encodeClientFlags(1), encodeOption(Opt.GO, encodeGoData('mid'))]));
    await until(() => optionReplies(got()).some(([, t]) => t === Rep.ACK));
    s.write(encodeRequest({ flags: 0, type: Cmd.WRITE, cookie: 7n, offset: 4096, length: 65536 }));
    s.write(Buffer.alloc(30_000, 0xee));
    s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(e.data.equals(before)).toBe(true);
    const c = await NbdClient.open(addr, 'mid'); // still serving
    expect((await c.pread(4096, 16)).equals(before.subarray(4096, 4112))).toBe(true);
    await c.disconnect();
  });

  it('survives garbage after the handshake: connections close, nothing outside valid writes changes', async () => {
    const e = fresh('fuzz', 1 << 16);
    const before = Buffer.from(e.data);
    for (let round = 0; round < 200; round++) {
      const { s, got, closed } = await raw();
      const handshake = round % 2 ? Buffer.concat([encodeClientFlags(1), encodeOption(Opt.GO, encodeGoData('fuzz'))]) : Buffer.alloc(0);
      s.write(Buffer.concat([handshake, randomBytes(1 + (round * 37) % 300)]));
      await Promise.race([closed, new Promise((r) => setTimeout(r, 20))]);
      void got;
      s.destroy();
    }
    expect(e.data.equals(before)).toBe(true);
    const c = await NbdClient.open(addr, 'fuzz');
    expect((await c.pread(0, 64)).equals(before.subarray(0, 64))).toBe(true);
    await c.disconnect();
  });
});
