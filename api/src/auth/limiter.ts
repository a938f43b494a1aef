import type { KeyValueStore } from '../kv/index.ts';
import { sha256Hex } from './secrets.ts';

export interface LoginLimits {
  maxPerAccountIp: number;
  maxPerAccount: number;
  maxPerIp: number;
  windowSeconds: number;
}

/** How long a successful (account, IP) pair stays exempt from the per-account limit. */
const KNOWN_IP_SECONDS = 30 * 86_400;

interface Counter {
  key: string;
  max: number;
}

const hashed = (email: string): string => sha256Hex(email.toLowerCase()).slice(0, 32);

/**
 * Failed-login counters in the key-value store (Redis: every API instance sees the same numbers).
 * Fixed windows that start at the first failure and expire by themselves:
 * nobody is locked out longer than one window. The tight limit is per
 * (account, IP); the looser per-account limit does not apply from an IP the
 * account signed in from before, so an attacker elsewhere cannot lock the
 * owner out of their usual place; the per-IP limit stops spraying.
 */
export class LoginLimiter {
  readonly #kv: KeyValueStore;
  readonly #limits: LoginLimits;

  constructor(kv: KeyValueStore, limits: LoginLimits) {
    this.#kv = kv;
    this.#limits = limits;
  }

  async #counters(email: string, ip: string): Promise<Counter[]> {
    const account = hashed(email);
    const known = await this.#kv.exists(`pf:auth:known:${account}:${ip}`);
    const counters: Counter[] = [
      { key: `pf:auth:fail:ai:${account}:${ip}`, max: this.#limits.maxPerAccountIp },
      { key: `pf:auth:fail:ip:${ip}`, max: this.#limits.maxPerIp },
    ];
    if (!known) counters.push({ key: `pf:auth:fail:a:${account}`, max: this.#limits.maxPerAccount });
    return counters;
  }

  /** Seconds to wait before another attempt, or 0 when an attempt is allowed now. */
  async retryAfter(email: string, ip: string): Promise<number> {
    const counters = await this.#counters(email, ip);
    const counts = await this.#kv.counts(counters.map((c) => c.key));
    let wait = 0;
    counters.forEach((c, i) => {
      const { count, ttlMs: ttl } = counts[i] ?? { count: 0, ttlMs: -1 };
      if (count >= c.max) wait = Math.max(wait, ttl > 0 ? Math.ceil(ttl / 1000) : this.#limits.windowSeconds);
    });
    return wait;
  }

  async failed(email: string, ip: string): Promise<void> {
    const counters = await this.#counters(email, ip);
    const windowMs = this.#limits.windowSeconds * 1000;
    await this.#kv.hit(
      counters.map((c) => c.key),
      windowMs,
    );
  }

  async succeeded(email: string, ip: string): Promise<void> {
    const account = hashed(email);
    await Promise.all([
      this.#kv.del(`pf:auth:fail:ai:${account}:${ip}`),
      this.#kv.set(`pf:auth:known:${account}:${ip}`, '1', KNOWN_IP_SECONDS * 1000),
    ]);
  }

  /** A simple budget (e.g. emails per address per hour): true while under `max`. */
  async take(bucket: string, max: number, windowSeconds: number): Promise<boolean> {
    const key = `pf:auth:budget:${sha256Hex(bucket).slice(0, 32)}`;
    const [count = 0] = await this.#kv.hit([key], windowSeconds * 1000);
    return count <= max;
  }
}
