// Concurrent identical reads share one query: a dashboard opened in many browsers, each refetching
// when the live stream says something changed, asks the same question many times at once. A
// request joins a read only while it runs (never a finished one), so an answer is at most one
// query's duration older than the request: no cache to expire or to invalidate.
export class SingleFlight<T> {
  readonly #running = new Map<string, Promise<T>>();

  run(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running;
    const started = read().finally(() => {
      this.#running.delete(key);
    });
    this.#running.set(key, started);
    return started;
  }

  /** Reads in progress (for tests and metrics). */
  get size(): number {
    return this.#running.size;
  }
}
