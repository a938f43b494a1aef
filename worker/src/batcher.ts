// Micro-batching across receive loops: items submitted by any loop are applied together, up to
// `maxBatch` per transaction, by at most `writers` transactions at a time. A batch starts when
// it is full, when a writer frees up with items waiting, or after `lingerMs`.
//
// With `keyOf` (the worker's: the payment id), a batch never takes an item whose key is in a
// batch still being applied: those wait for the next one. Two writers then never lock the same
// payment at once, so neither sits out the other's whole transaction on a row lock; a replay,
// where one payment's events arrive close together, keeps both writers busy.
export interface BatcherOptions<I, R> {
  readonly maxBatch: number;
  readonly writers: number;
  readonly lingerMs: number;
  /** The item's key (the payment it locks); items of a key in flight wait for the next batch. */
  readonly keyOf?: (item: I) => string | undefined;
  /** Applies a batch; one result per item, in order. Throwing fails every item of the batch. */
  readonly run: (items: I[]) => Promise<R[]>;
}

interface Pending<I, R> {
  readonly item: I;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

export class Batcher<I, R> {
  private readonly opts: BatcherOptions<I, R>;
  private queue: Pending<I, R>[] = [];
  private busy = 0;
  /** Keys of the batches being applied (a key is in one batch at a time). */
  private readonly keysInFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: BatcherOptions<I, R>) {
    this.opts = opts;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  get idle(): boolean {
    return this.busy === 0 && this.queue.length === 0;
  }

  private schedule(): void {
    if (this.busy >= this.opts.writers || this.queue.length === 0) return;
    if (this.queue.length >= this.opts.maxBatch || this.opts.lingerMs === 0) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.lingerMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.busy < this.opts.writers && this.queue.length > 0) {
      const { batch, keys } = this.take();
      // Everything waiting belongs to a key in flight: the batch that holds it calls flush again.
      if (batch.length === 0) return;
      this.busy++;
      void this.runOne(batch, keys);
    }
  }

  /** The next batch, in arrival order, skipping (and keeping) items of keys in flight. */
  private take(): { batch: Pending<I, R>[]; keys: string[] } {
    const keyOf = this.opts.keyOf;
    if (!keyOf || this.keysInFlight.size === 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      return { batch, keys: keyOf ? this.hold(batch, keyOf) : [] };
    }
    const batch: Pending<I, R>[] = [];
    const rest: Pending<I, R>[] = [];
    for (const p of this.queue) {
      if (batch.length < this.opts.maxBatch) {
        const key = keyOf(p.item);
        if (key === undefined || !this.keysInFlight.has(key)) {
          batch.push(p);
          continue;
        }
      }
      rest.push(p);
    }
    this.queue = rest;
    return { batch, keys: this.hold(batch, keyOf) };
  }

  private hold(batch: readonly Pending<I, R>[], keyOf: (item: I) => string | undefined): string[] {
    const keys = [...new Set(batch.flatMap((p) => keyOf(p.item) ?? []))];
    for (const k of keys) this.keysInFlight.add(k);
    return keys;
  }

  private release(keys: readonly string[]): void {
    for (const k of keys) this.keysInFlight.delete(k);
  }

  private async runOne(batch: Pending<I, R>[], keys: readonly string[]): Promise<void> {
    try {
      const results = await this.opts.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        p.resolve(results[i] as R);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.busy--;
      this.release(keys);
      if (this.queue.length > 0) this.flush();
    }
  }
}
