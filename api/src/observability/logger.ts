import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths never written to logs: credentials, cookies, passwords, card data. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.card_number',
  '*.cvv',
];

export interface LoggerSettings {
  name: string;
  level?: string;
  pretty?: boolean;
}

/** One pino logger per process; pretty output only when asked. */
export function createLogger(settings: LoggerSettings): Logger {
  const opts: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: settings.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.pretty) opts.transport = { target: 'pino-pretty' };
  return pino(opts);
}

export type { Logger };
