// An informer: list, then watch from the list's resourceVersion, keeping a cache keyed by
// namespace/name and telling a handler about each add, update and delete. It never gives up:
// a 410 Gone (or an ERROR event saying so) re-lists, any other error restarts the watch after
// an exponential backoff, and a watchdog aborts a watch that has been silent for too long and
// re-lists, because a silent TCP connection is indistinguishable from a quiet resource.
import { Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeError, resourcePath, type Gvr, type KubeClient, type KubeObject } from './kube-client.ts';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, obj: T, old: T | undefined) => void;

export interface InformerOptions<T extends KubeObject> {
  client: KubeClient;
  gvr: Gvr;
  log: Logger;
  handler: InformerHandler<T>;
  namespace?: string;
  labelSelector?: string;
  /** Abort and re-list a watch that delivered nothing (not even a bookmark) for this long. */
  silenceMs?: number;
  /** Server-side watch timeout; the watch is then resumed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export const objectKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

interface WatchEvent {
  type: string;
  object: KubeObject & { code?: number };
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

class Gone extends Error {}
class Silent extends Error {}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private stopped = true;
  private hasSynced = false;
  private abort: AbortController | undefined;
  private lastActivity = 0;
  private backoffMs: number;
  private loop: Promise<void> | undefined;
  private readonly opts: Required<Omit<InformerOptions<T>, 'namespace' | 'labelSelector'>> &
    InformerOptions<T>;
  private readonly watcher: Watch;
  /** Restarts so far (errors, 410s and watchdog aborts), for tests and logs. */
  restarts = 0;

  constructor(opts: InformerOptions<T>) {
    this.opts = {
      ...opts,
      silenceMs: opts.silenceMs ?? 5 * 60_000,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 240,
      minBackoffMs: opts.minBackoffMs ?? 200,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
    };
    this.backoffMs = this.opts.minBackoffMs;
    this.watcher = new Watch(opts.client.kc);
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const watchdog = setInterval(
      () => {
        this.checkSilence();
      },
      Math.max(50, Math.min(this.opts.silenceMs / 4, 5000)),
    );
    watchdog.unref();
    try {
      while (!this.stopped) await this.cycle();
    } finally {
      clearInterval(watchdog);
    }
  }

  private checkSilence(): void {
    if (this.abort && performance.now() - this.lastActivity > this.opts.silenceMs) {
      this.opts.log.warn({ resource: this.opts.gvr.plural }, 'watch silent too long; restarting it');
      const controller = this.abort;
      this.abort = undefined;
      controller.abort(new Silent('watch silent'));
    }
  }

  private async cycle(): Promise<void> {
    try {
      if (this.resourceVersion === '') await this.relist();
      await this.watchOnce();
      this.backoffMs = this.opts.minBackoffMs;
    } catch (err) {
      if (this.stopped) return;
      this.restarts++;
      await this.recover(err);
    }
  }

  private async recover(err: unknown): Promise<void> {
    // The watch's own inactivity timeout on a quiet resource: resume from the same version.
    if (err instanceof Error && err.name === 'TimeoutError') return;
    const gone = err instanceof Gone || (err instanceof KubeError && err.status === 410);
    if (gone || err instanceof Silent || isSilentAbort(err)) {
      this.resourceVersion = '';
      if (gone) return;
    } else {
      this.opts.log.warn({ err, resource: this.opts.gvr.plural }, 'list/watch failed; retrying');
    }
    await sleep(this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
  }

  private async relist(): Promise<void> {
    const query = this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : undefined;
    const list = await this.opts.client.list<T>(this.opts.gvr, this.opts.namespace, query);
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item);
      seen.add(key);
      this.upsert(key, item);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.opts.handler('delete', old, old);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    this.hasSynced = true;
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    if (old?.metadata.resourceVersion === obj.metadata.resourceVersion && old !== undefined) return;
    this.cache.set(key, obj);
    this.opts.handler(old ? 'update' : 'add', obj, old);
  }

  private onEvent(ev: WatchEvent): void {
    this.lastActivity = performance.now();
    const obj = ev.object;
    if (ev.type === 'ERROR') {
      if (obj.code === 410) this.resourceVersion = '';
      this.abort?.abort(obj.code === 410 ? new Gone('resourceVersion too old') : new Error('watch error'));
      return;
    }
    this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
    if (ev.type === 'BOOKMARK') return;
    const key = objectKey(obj);
    if (ev.type === 'DELETED') {
      const old = this.cache.get(key);
      this.cache.delete(key);
      this.opts.handler('delete', obj as T, old);
      return;
    }
    this.upsert(key, obj as T);
  }

  private async watchOnce(): Promise<void> {
    const path = resourcePath(this.opts.gvr, { namespace: this.opts.namespace });
    const query: Record<string, string | number | boolean | undefined> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.opts.watchTimeoutSeconds,
      labelSelector: this.opts.labelSelector,
    };
    this.lastActivity = performance.now();
    await new Promise<void>((resolve, reject) => {
      const done = (err: unknown): void => {
        this.abort = undefined;
        const reason: unknown = controllerRef?.signal.reason;
        if (reason instanceof Gone || reason instanceof Silent) reject(reason);
        else if (err) reject(toError(reasonOf(err)));
        else resolve();
      };
      let controllerRef: AbortController | undefined;
      this.watcher
        .watch(
          path,
          query,
          (type, object) => {
            this.onEvent({ type, object: object as WatchEvent['object'] });
          },
          done,
        )
        .then((controller) => {
          controllerRef = controller;
          if (this.stopped) controller.abort();
          else this.abort ??= controller;
        })
        .catch(reject);
    });
    if (this.resourceVersion === '') throw new Gone('resourceVersion too old');
  }
}

function isSilentAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A watch that could not start with 410 is as good as a 410 event. */
function reasonOf(err: unknown): unknown {
  if (typeof err === 'object' && err !== null && 'statusCode' in err && err.statusCode === 410)
    return new Gone('resourceVersion too old');
  return err;
}
