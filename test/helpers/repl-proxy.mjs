// The "link" of the replication tests: a unix-socket proxy in a process of its own, so that a test
// can cut the link with kill -9 (connections drop mid-request) and restore it by starting it again.
// Usage: node repl-proxy.mjs LISTEN_SOCKET TARGET_SOCKET [DELAY_MS] [COUNT_FILE]
// DELAY_MS holds every chunk from the source for that long (a slow link). COUNT_FILE, when given,
// always holds the number of bytes sent towards the target so far (what a failback copied).
import { createServer, connect } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';

const [listen, target, delay, countFile] = process.argv.slice(2);
const ms = Number(delay ?? 0);
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
