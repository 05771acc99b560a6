import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoApp } from '../../demo/server/app';

/**
 * Serves `app` on a random port of 127.0.0.1 (404 for what it does not handle). `stop` closes
 * the app, then every socket and the server.
 */
export async function serveDemoApp(app: DemoApp) {
  const server = http.createServer((req, res) => {
    if (!app.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    stop: () => closeDemoServer(app, server),
  };
}

/** Closes `app`, then every socket of `server` and the server itself. */
export async function closeDemoServer(app: DemoApp, server: http.Server): Promise<void> {
  await app.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
