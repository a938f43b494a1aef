import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { KeyValueStore } from '../kv/index.ts';
import type pg from 'pg';
import { Histogram, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.ts';
import { metricName } from '../observability/metrics.ts';
import { consoleSite } from './console.ts';
import { healthRouter } from './health.ts';
import type { Authenticator, Principal } from './principal.ts';
import { openApiHandler, OPENAPI_PATH } from './openapi.ts';
import { problemHandler, sendProblem } from './problem.ts';
import { authenticateOnce, rateLimit, type RateLimitSettings } from './rate-limit.ts';
import { mountRoutes, type AnyRoute } from './route.ts';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
    principal: Principal | undefined;
  }
}

export interface AppDeps {
  pool: pg.Pool;
  kv: KeyValueStore;
  logger: Logger;
  registry: Registry;
  readyTimeoutMs?: number;
  /** The route table (every /api/v1 endpoint). */
  routes?: readonly AnyRoute[];
  /** Resolves the caller; without one, every request is anonymous. */
  authenticate?: Authenticator;
  /** Largest JSON body accepted (default 64 KiB). */
  jsonLimit?: string;
  /** Runs before every route (security headers, CORS, cookies: the auth module's). */
  middleware?: readonly RequestHandler[];
  /** Rate limiting (counters in the key-value store) of /api/v1 per caller; absent or limit 0 turns it off. */
  rateLimit?: RateLimitSettings;
  /** The console's build (a real path holding index.html) served outside /api, the probes and /metrics. */
  consoleDir?: string;
}

const anonymous: Authenticator = async () => Promise.resolve(undefined);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `req.log`, a child logger carrying the request id, made on first use: most requests never
 * log, and a pino child per request was measurable. Assigning `req.log` replaces it as before.
 */
function lazyRequestLogger(app: Express, logger: Logger): void {
  const own = (req: Request, log: Logger): Logger => {
    Object.defineProperty(req, 'log', { value: log, writable: true, configurable: true, enumerable: true });
    return log;
  };
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request): Logger {
      return own(this, logger.child({ reqId: this.id }));
    },
    set(this: Request, log: Logger) {
      own(this, log);
    },
  });
}

function requestContext(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', req.id);
    next();
  };
}

function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: metricName('http_request_duration_seconds'),
    help: 'HTTP request latency by route template, method and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // Route templates, never raw URLs: ids must not become labels.
      const route = (req.route as { path?: string } | undefined)?.path;
      // Routes are mounted per resource: `/api/v1/transactions` + `/` is `/api/v1/transactions`.
      const template = route ? `${req.baseUrl}${route === '/' && req.baseUrl ? '' : route}` : 'unmatched';
      end({ method: req.method, route: template, status_code: String(res.statusCode) });
    });
    next();
  };
}

/** The console for browsers (`/`, deep links, assets); JSON clients at `/` still get the links. */
function mountConsole(app: Express, dir: string | undefined): void {
  if (dir) app.use(consoleSite(dir));
}

/** Builds the express application; nothing listens until the caller says so. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  lazyRequestLogger(app, deps.logger);
  app.use(requestContext());
  app.use(httpMetrics(deps.registry));
  for (const m of deps.middleware ?? []) app.use(m);
  app.use(healthRouter({ pool: deps.pool, kv: deps.kv, timeoutMs: deps.readyTimeoutMs ?? 2000 }));
  app.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  // One authentication per request, shared by the rate limiter (per-caller key) and the routes.
  const authenticate = authenticateOnce(deps.authenticate ?? anonymous);
  if (deps.rateLimit && deps.rateLimit.limit > 0) {
    app.use('/api/v1', rateLimit({ ...deps.rateLimit, kv: deps.kv, logger: deps.logger, authenticate }));
  }
  app.get(OPENAPI_PATH, openApiHandler(deps.routes ?? []));
  mountConsole(app, deps.consoleDir);
  // Someone opening the API's address in a browser (or a client finding its way) gets directions.
  app.get('/', (_req, res) => {
    res.json({
      service: 'payflow-api',
      links: {
        openapi: OPENAPI_PATH,
        transactions: '/api/v1/transactions',
        login: '/api/v1/auth/login',
        livez: '/livez',
        readyz: '/readyz',
        metrics: '/metrics',
      },
    });
  });
  app.use(express.json({ limit: deps.jsonLimit ?? '64kb', strict: true }));
  const api = express.Router();
  mountRoutes(api, deps.routes ?? [], authenticate);
  app.use(api);
  app.use((req, res) => {
    sendProblem(res, { type: 'about:blank', title: 'Not Found', status: 404, instance: req.originalUrl });
  });
  app.use(problemHandler());
  return app;
}
