// A small TCP proxy for fault injection (node:net, no dependencies): it listens on 127.0.0.1 and
// forwards every connection to a target on this machine's loopback. While it runs, a chaos
// scenario can add latency to everything it forwards (both ways, order kept), drop every open
// connection at once (the peers see a reset, as when a server dies), and refuse new connections
// for a while (accepted and reset at once, as a restarting server's port would). It is bounded:
// at most `maxConnections` at a time (more are refused), at most `maxBufferedBytes` held per
// direction while delayed (the sender is paused beyond), and it closes itself after `maxLifetimeMs`.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { isLoopbackHost, NotLoopback } from './loopback.ts';

export interface ProxyOptions {
  /** Where connections go: a loopback host and port. */
  readonly target: { readonly host: string; readonly port: number };
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  readonly listenPort?: number;
  readonly maxConnections?: number;
  readonly maxLifetimeMs?: number;
  readonly maxBufferedBytes?: number;
}

export interface ProxyStats {
  /** Connections accepted and forwarded. */
  accepted: number;
  /** Connections refused (while refusing, or over maxConnections). */
  refused: number;
  /** Open connections destroyed by drop(). */
  dropped: number;
  /** Bytes forwarded, both ways. */
  bytes: number;
}

const MAX_LATENCY_MS = 10_000;

interface Pending {
  readonly due: number;
  readonly chunk: Buffer;
}

/** One direction of a connection: chunks delivered in order, each `latency` ms after it arrived. */
class Pipe {
  private readonly queue: Pending[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly from: Socket;
  private readonly to: Socket;
  private readonly proxy: TcpProxy;
  private readonly maxBuffered: number;

  constructor(from: Socket, to: Socket, proxy: TcpProxy, maxBuffered: number) {
    this.from = from;
    this.to = to;
    this.proxy = proxy;
    this.maxBuffered = maxBuffered;
    from.on('data', (chunk: Buffer) => {
      this.push(chunk);
    });
  }

  private push(chunk: Buffer): void {
    const latency = this.proxy.latencyMs;
    if (latency === 0 && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    const last = this.queue.at(-1)?.due ?? 0;
    this.queue.push({ due: Math.max(last, Date.now() + latency), chunk });
    this.buffered += chunk.length;
    if (this.buffered > this.maxBuffered) this.from.pause();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const next = this.queue[0];
    if (!next) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush();
      },
      Math.max(0, next.due - Date.now()),
    );
  }

  private flush(): void {
    const now = Date.now();
    while (this.queue.length > 0 && (this.queue[0]?.due ?? Infinity) <= now) {
      const p = this.queue.shift();
      if (!p) break;
      this.buffered -= p.chunk.length;
      this.write(p.chunk);
    }
    if (this.buffered <= this.maxBuffered && this.from.isPaused()) this.from.resume();
    this.schedule();
  }

  private write(chunk: Buffer): void {
    if (this.to.destroyed) return;
    this.proxy.stats.bytes += chunk.length;
    this.to.write(chunk);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export class TcpProxy {
  readonly stats: ProxyStats = { accepted: 0, refused: 0, dropped: 0, bytes: 0 };
  /** Added to every chunk forwarded, ms. */
  latencyMs = 0;
  private refuseUntil = 0;
  private readonly open = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>();
  private server: Server | undefined;
  private lifetime: NodeJS.Timeout | undefined;
  private readonly maxConnections: number;
  private readonly maxBuffered: number;

  private readonly o: ProxyOptions;

  constructor(o: ProxyOptions) {
    this.o = o;
    if (!isLoopbackHost(o.target.host)) throw new NotLoopback('the proxy target', o.target.host);
    this.maxConnections = o.maxConnections ?? 200;
    this.maxBuffered = o.maxBufferedBytes ?? 8 * 1024 * 1024;
  }

  /** Listens; resolves with the port. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      this.accept(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.listenPort ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.lifetime = setTimeout(() => void this.close(), this.o.maxLifetimeMs ?? 15 * 60_000);
    this.lifetime.unref();
    return this.port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get connections(): number {
    return this.open.size;
  }

  /** Sets the latency added to everything forwarded (0 to 10,000 ms). */
  setLatency(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_LATENCY_MS)
      throw new RangeError(`latency must be an integer from 0 to ${String(MAX_LATENCY_MS)} ms`);
    this.latencyMs = ms;
  }

  /** Destroys every open connection now (both ends see a reset); returns how many. */
  drop(): number {
    const n = this.open.size;
    for (const c of [...this.open]) this.end(c, true);
    this.stats.dropped += n;
    return n;
  }

  /** Drops every open connection and refuses new ones for `ms`: a server restart, seen from its clients. */
  outage(ms: number): number {
    this.refuseUntil = Date.now() + ms;
    return this.drop();
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (Date.now() < this.refuseUntil || this.open.size >= this.maxConnections) {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    this.stats.accepted++;
    const upstream = connect({ host: this.o.target.host, port: this.o.target.port });
    upstream.on('error', () => undefined);
    const conn = { client, upstream, pipes: [] as Pipe[] };
    conn.pipes.push(new Pipe(client, upstream, this, this.maxBuffered));
    conn.pipes.push(new Pipe(upstream, client, this, this.maxBuffered));
    this.open.add(conn);
    const finish = (): void => {
      this.end(conn, false);
    };
    client.once('close', finish);
    upstream.once('close', finish);
  }

  private end(c: { client: Socket; upstream: Socket; pipes: Pipe[] }, reset: boolean): void {
    if (!this.open.delete(c)) return;
    for (const p of c.pipes) p.stop();
    if (reset) {
      c.client.resetAndDestroy();
      c.upstream.resetAndDestroy();
    } else {
      c.client.destroy();
      c.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.lifetime);
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.open]) this.end(c, false);
    if (server) await new Promise((r) => server.close(r));
  }
}
