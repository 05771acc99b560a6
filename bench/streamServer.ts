/**
 * A child-process SSE server for the client benches, so the server's own work is not counted
 * against the clients. Reads the stream to serve from a file given on the command line, serves
 * it on 127.0.0.1 (keeping the response open afterwards so no client reconnects), and prints
 * its port.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const bytes = readFileSync(process.argv[2]!);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let offset = 0;
  const pump = () => {
    while (offset < bytes.length) {
      const end = Math.min(bytes.length, offset + 65536);
      const ok = res.write(bytes.subarray(offset, end));
      offset = end;
      if (!ok) return void res.once('drain', pump);
    }
  };
  pump();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('message', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
