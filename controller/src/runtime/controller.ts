// One controller: a work queue of namespace/name keys fed by informers, and N workers that
// reconcile keys while this instance leads. Errors (409 conflicts included) come back through
// the queue's rate limiter; a result may ask to be called again after a delay.
import type { Logger } from 'pino';
import type { ControllerMetrics } from './metrics.ts';
import { ExponentialBackoff, TokenBucket, WorkQueue } from './workqueue.ts';

export interface Request {
  namespace: string;
  name: string;
}

export interface Result {
  /** Reconcile again after this many milliseconds (periodic refresh, TTLs, polling). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  readonly name: string;
  reconcile(req: Request): Promise<Result | undefined>;
}

export function parseKey(key: string): Request {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export interface ControllerOptions {
  reconciler: Reconciler;
  metrics: ControllerMetrics;
  log: Logger;
  workers?: number;
}

export class Controller {
  readonly name: string;
  private q: WorkQueue;
  private readonly o: ControllerOptions;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(o: ControllerOptions) {
    this.o = o;
    this.name = o.reconciler.name;
    this.q = this.newQueue();
  }

  private newQueue(): WorkQueue {
    return new WorkQueue({
      backoff: new ExponentialBackoff(5, 1_000_000),
      bucket: new TokenBucket(10, 100),
      metrics: this.o.metrics.queue(this.name),
    });
  }

  get queue(): WorkQueue {
    return this.q;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the workers (when this instance becomes leader, again after losing it). */
  start(): void {
    if (this.running) return;
    if (this.q.isShutDown) this.q = this.newQueue();
    this.running = true;
    this.loops = Array.from({ length: this.o.workers ?? 4 }, async () => this.work());
  }

  /** Stops taking keys; in-flight reconciles finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.shutDown();
    await Promise.all(this.loops);
  }

  /** Read through a method: the flag changes while a worker awaits. */
  private isRunning(): boolean {
    return this.running;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (!this.isRunning()) {
        this.queue.done(key);
        return;
      }
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const m = this.o.metrics;
    m.activeWorkers(this.name, 1);
    const started = performance.now();
    try {
      const result = await this.o.reconciler.reconcile(parseKey(key));
      this.queue.forget(key);
      const after = result?.requeueAfterMs;
      if (after !== undefined) this.queue.addAfter(key, after);
      m.reconciled(this.name, after === undefined ? 'success' : 'requeue_after', secondsSince(started));
    } catch (err) {
      const wait = this.queue.addRateLimited(key);
      this.o.log.warn({ err, controller: this.name, key, retryInMs: Math.round(wait) }, 'reconcile failed');
      m.reconciled(this.name, 'error', secondsSince(started));
    } finally {
      this.queue.done(key);
      m.activeWorkers(this.name, -1);
    }
  }
}

const secondsSince = (t: number): number => (performance.now() - t) / 1000;
