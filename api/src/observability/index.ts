export { createLogger, REDACT_PATHS, type Logger, type LoggerSettings } from './logger.ts';
export { createRegistry, metricName } from './metrics.ts';
