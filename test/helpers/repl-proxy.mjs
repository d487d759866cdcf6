// The "link" of the replication tests: a unix-socket proxy in a process of its own, so that a test
// can cut the link with kill -9 (connections drop mid-request) and restore it by starting it again.
// Usage: node repl-proxy.mjs LISTEN_SOCKET TARGET_SOCKET [DELAY_MS]
// DELAY_MS holds every chunk from the source for that long (a slow link).
import { createServer, connect } from 'node:net';
import { rmSync } from 'node:fs';

const [listen, target, delay] = process.argv.slice(2);
const ms = Number(delay ?? 0);
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
        server.write(d);
        client.resume();
      }, ms);
    });
  } else {
    client.pipe(server);
  }
  server.pipe(client);
}).listen(listen, () => process.stdout.write('ready\n'));
