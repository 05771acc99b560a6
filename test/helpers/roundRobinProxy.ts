import net from 'node:net';

/**
 * A tiny TCP load balancer on 127.0.0.1: each new connection goes to the next backend port in
 * turn (a backend that refuses is skipped), and bytes are piped both ways untouched, so `Host`
 * reaches the backend as the client wrote it. It records where each connection went and can drop
 * every open connection, as a flaky network or a proxy restart would.
 */
export interface RoundRobinProxy {
  readonly port: number;
  /** Backend port of every connection made so far, in order. */
  readonly routed: number[];
  /** Backend port of each open connection. */
  open(): number[];
  /** Destroys every open connection, both sides. */
  dropAll(): number;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(backends: readonly number[]): Promise<RoundRobinProxy> {
  let next = 0;
  const routed: number[] = [];
  const pairs = new Map<net.Socket, { upstream: net.Socket; port: number }>();

  const connect = (client: net.Socket, tries: number) => {
    if (tries >= backends.length) {
      client.destroy();
      return;
    }
    const port = backends[next % backends.length]!;
    next += 1;
    const upstream = net.connect(port, '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      routed.push(port);
      pairs.set(client, { upstream, port });
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) connect(client, tries + 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      if (connected) client.destroy();
    });
  };

  const server = net.createServer((client) => {
    client.pause();
    client.on('error', () => {});
    client.on('close', () => {
      pairs.get(client)?.upstream.destroy();
      pairs.delete(client);
    });
    connect(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const dropAll = () => {
    const count = pairs.size;
    for (const [client, { upstream }] of pairs) {
      upstream.destroy();
      client.destroy();
    }
    pairs.clear();
    return count;
  };
  return {
    port,
    routed,
    open: () => [...pairs.values()].map((p) => p.port),
    dropAll,
    close() {
      dropAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
