// The "link" of the replication tests: a unix-socket proxy in a process of its own, so that a test
// can cut the link with kill -9 (connections drop mid-request) and restore it by starting it again.
// Usage: node repl-proxy.mjs LISTEN_SOCKET TARGET_SOCKET [DELAY_MS] [COUNT_FILE|-] [latency|rate]
// DELAY_MS holds every chunk from the source for that long (a slow link: one chunk at a time, so
// requests sent one after the other mostly cross it one by one; how many share a chunk depends on
// timing). With `latency`, every chunk in either direction arrives DELAY_MS after it was sent
// instead, and the chunks behind it are not held up (a long link: DELAY_MS each way, as much in
// flight as the ends send). With `rate`, the third argument is bytes a second instead: the bytes
// towards the target cross at that rate, in order (a narrow link; answers are not held). COUNT_FILE,
// when given, always holds the number of bytes sent towards the target so far (what a failback copied).
import { createServer, connect } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';

const [listen, target, delay, countArg, mode] = process.argv.slice(2);
const countFile = countArg === '-' ? undefined : countArg;
const ms = Number(delay ?? 0);
const latency = mode === 'latency';
let sent = 0;
const count = (n) => {
  if (!countFile) return;
  sent += n;
  writeFileSync(countFile, String(sent));
};
if (countFile) writeFileSync(countFile, '0');
rmSync(listen, { force: true });
createServer((client) => {
  const server = connect(target);
  server.on('error', () => client.destroy());
  client.on('error', () => server.destroy());
  client.on('close', () => server.destroy());
  server.on('close', () => client.destroy());
  if (ms && mode === 'rate') {
    // One chunk at a time, each leaving once the link has carried it at `ms` bytes a second.
    const queue = [];
    let busy = false;
    const next = () => {
      const d = queue.shift();
      if (!d) return void (busy = false);
      busy = true;
      setTimeout(() => {
        count(d.length);
        server.write(d);
        next();
      }, (d.length * 1000) / ms);
    };
    client.on('data', (d) => {
      queue.push(d);
      if (!busy) next();
    });
    server.pipe(client);
    return;
  }
  if (ms && latency) {
    // Timers of one duration fire in the order they were set: the bytes keep their order.
    client.on('data', (d) => setTimeout(() => {
      count(d.length);
      server.write(d);
    }, ms));
    server.on('data', (d) => setTimeout(() => client.write(d), ms));
    return;
  }
  if (ms) {
    client.on('data', (d) => {
      client.pause();
      setTimeout(() => {
        count(d.length);
        server.write(d);
        client.resume();
      }, ms);
    });
  } else if (countFile) {
    client.on('data', (d) => {
      count(d.length);
      if (!server.write(d)) {
        client.pause();
        server.once('drain', () => client.resume());
      }
    });
  } else {
    client.pipe(server);
  }
  server.pipe(client);
}).listen(listen, () => process.stdout.write('ready\n'));
