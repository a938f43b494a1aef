import cookieParser from 'cookie-parser';
import type { RequestHandler } from 'express';
import { sendProblem } from '../http/problem.ts';

/**
 * Security headers for a JSON API: nothing may be loaded, framed or sniffed;
 * HSTS only on https (a browser ignores it over http anyway).
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-site');
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (req.path.startsWith('/api/v1/auth/') || req.path.startsWith('/api/v1/api-keys')) {
      res.setHeader('Cache-Control', 'no-store');
    }
    next();
  };
}

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Idempotency-Key, If-Match, X-API-Key, X-PayFlow-Session, X-Request-Id';

/** CORS for the console's origin only; a preflight from any other origin is refused. */
export function cors(consoleOrigin: string | undefined): RequestHandler {
  const allowed = consoleOrigin ? new URL(consoleOrigin).origin : undefined;
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    const ok = origin !== undefined && origin === allowed;
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id, ETag, Location');
    }
    if (req.method !== 'OPTIONS' || !req.get('access-control-request-method')) {
      next();
      return;
    }
    if (!ok) {
      sendProblem(res, {
        type: 'https://payflow.dev/problems/cors-origin-not-allowed',
        title: 'Origin not allowed',
        status: 403,
        detail: 'Cross-origin requests are allowed from the console only.',
        instance: req.originalUrl,
      });
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

/** The middleware the auth module adds in front of every route. */
export function authMiddleware(consoleOrigin: string | undefined): RequestHandler[] {
  return [securityHeaders(), cors(consoleOrigin), cookieParser()];
}
