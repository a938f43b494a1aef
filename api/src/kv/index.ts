// The small key-value store the API keeps its shared, short-lived state in: rate-limit and
// failed-login counters, e-mail budgets, the read-through cache. Redis when REDIS_URL is set
// (shared by every API instance); otherwise a map inside the process, which is exact for ONE
// API instance and loses its counters on restart (the local demo, a single-replica install).
export type { KeyValueStore, WindowCount } from './types.ts';
export { MemoryStore } from './memory.ts';
export { RedisStore } from './redis.ts';
