// Micro-batching across receive loops: items submitted by any loop are applied together, up to
// `maxBatch` per transaction, by at most `writers` transactions at a time. A batch starts when
// it is full, when a writer frees up with items waiting, or after `lingerMs`.
export interface BatcherOptions<I, R> {
  readonly maxBatch: number;
  readonly writers: number;
  readonly lingerMs: number;
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
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.busy++;
      void this.runOne(batch);
    }
  }

  private async runOne(batch: Pending<I, R>[]): Promise<void> {
    try {
      const results = await this.opts.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        p.resolve(results[i] as R);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.busy--;
      if (this.queue.length > 0) this.flush();
    }
  }
}
