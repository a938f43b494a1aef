// Prefixed, time-ordered identifiers: `pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG`.
//
// The part after the prefix is a ULID: 26 Crockford base32 characters (upper case), the first
// 10 encoding a 48-bit millisecond timestamp and the last 16 encoding 80 random bits from the
// platform CSPRNG. Within one process ids are strictly increasing: a second id in the same
// millisecond (or after the clock stepped back) reuses the last timestamp and increments the
// random part by one. Ids therefore sort by creation time as plain strings.
import { ValidationError } from './errors.ts';

export const ID_PREFIXES = [
  'pay',
  'evt',
  'alt',
  'rul',
  'job',
  'usr',
  'aud',
  'key',
  'obx',
  'req',
  'inv',
] as const;

export type IdPrefix = (typeof ID_PREFIXES)[number];

/** An id with a known prefix, e.g. `Id<'pay'>` is `pay_…`. */
export type Id<P extends IdPrefix = IdPrefix> = `${P}_${string}`;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;
const RANDOM_BITS = 80n;
const MAX_RANDOM = (1n << RANDOM_BITS) - 1n;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export interface IdFactoryOptions {
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Fills the array with random bytes; default `crypto.getRandomValues`. */
  readonly randomBytes?: (bytes: Uint8Array) => void;
}

export type IdFactory = <P extends IdPrefix>(prefix: P) => Id<P>;

/** Creates an id generator with its own monotonic state (tests inject a clock and randomness). */
export function createIdFactory(options: IdFactoryOptions = {}): IdFactory {
  const now = options.now ?? Date.now;
  const randomBytes = options.randomBytes ?? defaultRandomBytes;
  let lastTime = -1;
  let lastRandom = 0n;
  return <P extends IdPrefix>(prefix: P): Id<P> => {
    const time = Math.max(now(), lastTime);
    if (time > MAX_TIME || time < 0) throw new RangeError(`id timestamp out of range: ${time}`);
    if (time === lastTime && lastRandom < MAX_RANDOM) {
      lastRandom += 1n;
    } else {
      lastTime = time === lastTime ? time + 1 : time;
      lastRandom = randomValue(randomBytes);
    }
    return `${prefix}_${encodeTime(lastTime)}${encodeRandom(lastRandom)}`;
  };
}

function defaultRandomBytes(bytes: Uint8Array): void {
  globalThis.crypto.getRandomValues(bytes);
}

function randomValue(randomBytes: (bytes: Uint8Array) => void): bigint {
  const bytes = new Uint8Array(10);
  randomBytes(bytes);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function encodeTime(time: number): string {
  let out = '';
  let rest = time;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(value: bigint): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < RANDOM_CHARS; i++) {
    out = ALPHABET.charAt(Number(rest & 31n)) + out;
    rest >>= 5n;
  }
  return out;
}

const defaultFactory = createIdFactory();

/** A new id, e.g. `newId('pay')` → `pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG`. */
export function newId<P extends IdPrefix>(prefix: P): Id<P> {
  return defaultFactory(prefix);
}

/** True when `value` is a well-formed id with exactly this prefix (canonical upper case). */
export function isId<P extends IdPrefix>(prefix: P, value: unknown): value is Id<P> {
  if (typeof value !== 'string' || !value.startsWith(`${prefix}_`)) return false;
  return ULID.test(value.slice(prefix.length + 1));
}

/** Validates an id from input; throws a `ValidationError` naming `field`. */
export function parseId<P extends IdPrefix>(prefix: P, value: unknown, field = 'id'): Id<P> {
  if (isId(prefix, value)) return value;
  throw ValidationError.of(field, `must be an id of the form ${prefix}_ followed by 26 base32 characters`);
}

/** The creation time of an id, in milliseconds since the epoch. Throws on a malformed id. */
export function idTimestamp(id: string): number {
  const separator = id.indexOf('_');
  const body = id.slice(separator + 1);
  if (separator < 1 || !ULID.test(body)) throw ValidationError.of('id', 'is not a well-formed id');
  let time = 0;
  for (const char of body.slice(0, TIME_CHARS)) time = time * 32 + ALPHABET.indexOf(char);
  return time;
}

/** The smallest id of this prefix created at `time` or later: a bound for time-range queries. */
export function minIdAt<P extends IdPrefix>(prefix: P, time: number): Id<P> {
  return `${prefix}_${encodeTime(time)}${'0'.repeat(RANDOM_CHARS)}`;
}
