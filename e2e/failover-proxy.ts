import { connect, createServer, type Socket } from 'node:net';

/**
 * One address in front of several servers, as nginx or HAProxy stand in front of a cluster (the
 * README's "Several servers"): each connection goes to the first server that accepts it, in the
 * order given. A server that dies drops its connections; the browser reconnects to the same
 * address and lands on the next one. TCP only: HTTP and the dashboard's WebSocket pass as they are.
 */
export interface FailoverProxy {
  url: string;
  /** How many connections went to each server's port. */
  served: Map<number, number>;
  close(): Promise<void>;
}

export async function startFailoverProxy(ports: readonly number[]): Promise<FailoverProxy> {
  const served = new Map<number, number>();
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    const attempt = (i: number) => {
      const port = ports[i];
      if (port === undefined) return void client.destroy();
      const upstream = connect(port, '127.0.0.1');
      track(upstream);
      // Refused (the server is gone): the next one.
      const refused = () => attempt(i + 1);
      upstream.once('error', refused);
      upstream.once('connect', () => {
        served.set(port, (served.get(port) ?? 0) + 1);
        upstream.off('error', refused);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    served,
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
