// Where the operator tools may send load and faults: this machine's loopback only. A URL whose
// host is not a loopback address (or a name that is, such as localhost) is refused before any
// connection is made, naming the setting it came from.
import { isIP } from 'node:net';
import { UsageError } from '../lib/errors.ts';

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost']);

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and the usual names of the loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.') || h.startsWith('::ffff:7f');
  return false;
}

/** A target off loopback: refused before anything is sent (exit 2). */
export class NotLoopback extends UsageError {
  readonly setting: string;
  readonly host: string;
  constructor(setting: string, host: string) {
    super(
      `${setting} points at ${host}, which is not this machine's loopback: load and faults are only sent to 127.0.0.1, ::1 or localhost`,
    );
    this.name = 'NotLoopback';
    this.setting = setting;
    this.host = host;
  }
}

/** The URL's host, after checking it is loopback; throws NotLoopback naming `setting`. */
export function assertLoopbackUrl(setting: string, url: string): string {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new NotLoopback(setting, url);
  }
  if (!isLoopbackHost(host)) throw new NotLoopback(setting, host);
  return host;
}
