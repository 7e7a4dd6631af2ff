import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** Drops every connection through the relay (the service behind it keeps running). */
  cut(): void;
  /** Cuts, and refuses new connections until `up()`: the service looks gone. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** A TCP relay on 127.0.0.1 in front of a local service, so a test can cut connections to it. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const target = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(target);
    client.pipe(target).pipe(client);
    const drop = (): void => {
      client.destroy();
      target.destroy();
    };
    client.on('error', drop).on('close', drop);
    target.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    down() {
      refusing = true;
      cut();
    },
    up() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was just free). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Why the Redis on 127.0.0.1:6379 cannot be used, or undefined when it answers. Fails under CI=true. */
export async function redisUnavailable(): Promise<string | undefined> {
  const reason = await new Promise<string | undefined>((resolve) => {
    const socket = connect(6379, '127.0.0.1');
    socket.setTimeout(2000, () => socket.destroy(new Error('no answer in 2 s')));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG') ? undefined : `unexpected answer ${JSON.stringify(data.toString())}`);
    });
    socket.once('error', (error) => resolve(`Redis on 127.0.0.1:6379 is unreachable: ${error.message}`));
  });
  if (reason !== undefined && process.env.CI === 'true') throw new Error(`Redis is required when CI=true: ${reason}`);
  if (reason !== undefined) console.log(`Skipping Redis tests: ${reason}`);
  return reason;
}
