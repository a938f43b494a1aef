import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.ts';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('single-flight reads', () => {
  it('when the same key is asked for while its read runs, then both get that one read', async () => {
    const flights = new SingleFlight<number>();
    const d = deferred<number>();
    let reads = 0;
    const read = (): Promise<number> => {
      reads++;
      return d.promise;
    };
    const a = flights.run('1h', read);
    const b = flights.run('1h', read);
    expect(flights.size).toBe(1);
    d.resolve(42);
    expect(await Promise.all([a, b])).toEqual([42, 42]);
    expect(reads).toBe(1);
  });

  it('when a read has finished, then the next request reads again (nothing is kept)', async () => {
    const flights = new SingleFlight<number>();
    let reads = 0;
    const read = (): Promise<number> => Promise.resolve(++reads);
    expect(await flights.run('1h', read)).toBe(1);
    expect(await flights.run('1h', read)).toBe(2);
    expect(flights.size).toBe(0);
  });

  it('when keys differ, then their reads are separate', async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = await Promise.all([
      flights.run('1h', () => Promise.resolve('hour')),
      flights.run('7d', () => Promise.resolve('week')),
    ]);
    expect([a, b]).toEqual(['hour', 'week']);
  });

  it('when a read fails, then everyone waiting gets the error and the next request reads again', async () => {
    const flights = new SingleFlight<number>();
    const d = deferred<number>();
    const a = flights.run('1h', () => d.promise);
    const b = flights.run('1h', () => d.promise);
    d.reject(new Error('connection lost'));
    await expect(a).rejects.toThrow('connection lost');
    await expect(b).rejects.toThrow('connection lost');
    expect(await flights.run('1h', () => Promise.resolve(7))).toBe(7);
  });
});
