import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.ts';
import { TcpProxy } from './proxy.ts';

/** An echo server on 127.0.0.1. */
async function echo(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

async function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Writes `chunks` one by one and resolves with everything echoed back. */
async function roundTrip(s: Socket, chunks: readonly string[]): Promise<string> {
  const want = chunks.join('').length;
  let got = '';
  const done = new Promise<string>((resolve) => {
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= want) resolve(got);
    });
  });
  for (const c of chunks) s.write(c);
  return done;
}

/** Connects and resolves true when the connection is reset (at connect or right after). */
async function reset(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.on('error', () => {
      resolve(true);
    });
    s.on('close', (hadError) => {
      resolve(hadError);
    });
  });
}

/** Resolves when the socket is closed, with whether it was reset (an error before the close). */
async function closed(s: Socket): Promise<boolean> {
  if (s.destroyed) return s.errored !== null;
  return new Promise((resolve) => {
    s.once('close', (hadError) => {
      resolve(hadError);
    });
  });
}

describe('chaos TCP proxy', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const started = async (opts: { maxConnections?: number } = {}): Promise<TcpProxy> => {
    const e = await echo();
    cleanup.push(
      async () =>
        new Promise((r) => {
          e.server.close(() => {
            r();
          });
        }),
    );
    const proxy = new TcpProxy({ target: { host: '127.0.0.1', port: e.port }, ...opts });
    await proxy.start();
    cleanup.push(async () => {
      await proxy.close();
    });
    return proxy;
  };

  it('when latency is added, then every byte still arrives once and in order', async () => {
    const proxy = await started();
    proxy.setLatency(20);
    const s = await open(proxy.port);
    const chunks = Array.from({ length: 50 }, (_, i) => `<${String(i)}>`);
    expect(await roundTrip(s, chunks)).toBe(chunks.join(''));
    s.destroy();
    expect(proxy.stats.accepted).toBe(1);
  });

  it('when connections are dropped, then each open one is reset and counted, and new ones are refused during an outage', async () => {
    const proxy = await started();
    const a = await open(proxy.port);
    const b = await open(proxy.port);
    expect(await roundTrip(a, ['ping'])).toBe('ping');
    await roundTrip(b, ['ping']);
    const resets = [closed(a), closed(b)];
    expect(proxy.outage(60_000)).toBe(2);
    expect(await Promise.all(resets)).toEqual([true, true]);
    expect(proxy.stats.dropped).toBe(2);
    expect(await reset(proxy.port)).toBe(true);
    expect(proxy.stats.refused).toBe(1);
    expect(proxy.connections).toBe(0);
  });

  it('when more than maxConnections connect, then the extra ones are refused', async () => {
    const proxy = await started({ maxConnections: 1 });
    const a = await open(proxy.port);
    await roundTrip(a, ['x']);
    expect(await reset(proxy.port)).toBe(true);
    expect(proxy.stats).toMatchObject({ accepted: 1, refused: 1 });
    a.destroy();
  });

  it('when the target is not on loopback, then the proxy is refused; a bad latency too', () => {
    expect(() => new TcpProxy({ target: { host: '192.0.2.10', port: 5432 } })).toThrow(
      /not this machine's loopback/,
    );
    const p = new TcpProxy({ target: { host: 'localhost', port: 5432 } });
    expect(() => {
      p.setLatency(-1);
    }).toThrow(RangeError);
    expect(() => {
      p.setLatency(60_000);
    }).toThrow(RangeError);
  });

  it('knows the loopback addresses and names, and nothing else', () => {
    for (const h of [
      '127.0.0.1',
      '127.5.6.7',
      '::1',
      '[::1]',
      'localhost',
      'sqs.us-east-1.localhost',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.1', '192.168.1.1', 'db.example.com', '0.0.0.0', '::', 'localhost.example.com'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});
