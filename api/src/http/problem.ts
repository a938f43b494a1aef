import type { ErrorRequestHandler, Response } from 'express';
import {
  isDomainError,
  RateLimited,
  Unauthorized,
  ValidationError,
  type DomainError,
} from '../domain/errors.ts';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://payflow.dev/problems/';

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).json(problem);
}

function fromDomain(err: DomainError, instance: string): Problem {
  const problem: Problem = {
    type: `${PROBLEM_BASE}${err.code.replaceAll('_', '-')}`,
    title: err.title,
    status: err.status,
    detail: err.detail,
    instance,
    code: err.code,
  };
  if (err.field !== undefined) problem.field = err.field;
  if (err instanceof ValidationError) problem.errors = err.issues;
  return problem;
}

/** Errors raised by express's body parser, keyed by its `type`. */
const PARSER_ERRORS: Record<string, { code: string; title: string }> = {
  'entity.parse.failed': { code: 'malformed_json', title: 'The request body is not valid JSON' },
  'entity.too.large': { code: 'body_too_large', title: 'The request body is too large' },
  'encoding.unsupported': { code: 'unsupported_encoding', title: 'Unsupported content encoding' },
  'charset.unsupported': { code: 'unsupported_charset', title: 'Unsupported charset' },
};

function fromParser(err: unknown, instance: string): Problem | undefined {
  const e = err as { type?: unknown; status?: unknown; message?: unknown };
  if (typeof e.type !== 'string' || typeof e.status !== 'number') return undefined;
  const known = PARSER_ERRORS[e.type];
  if (!known) return undefined;
  return {
    type: `${PROBLEM_BASE}${known.code.replaceAll('_', '-')}`,
    title: known.title,
    status: e.status,
    detail: typeof e.message === 'string' ? e.message : known.title,
    instance,
    code: known.code,
    field: 'body',
  };
}

/** Postgres SQLSTATE classes and codes that mean "the database is not there right now". */
const PG_UNAVAILABLE = /^(08|57P0[1-3]|53300)/;
/** Node socket errors seen when a dependency is down or restarting. */
const SOCKET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * True for failures of a dependency (Postgres, Redis) rather than of the
 * request: the caller may retry, so they are a 503, not a 500.
 */
export function isDependencyUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (SOCKET_UNAVAILABLE.has(e.code) || PG_UNAVAILABLE.test(e.code)))
    return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /enableOfflineQueue options is false|Connection is closed|Connection terminated|timeout exceeded when trying to connect/.test(
    msg,
  );
}

/** The one place that turns an error into a response. */
export function problemHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const instance = req.originalUrl;
    if (isDomainError(err)) {
      if (err instanceof RateLimited) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      if (err instanceof Unauthorized) res.setHeader('WWW-Authenticate', 'Bearer realm="payflow"');
      sendProblem(res, fromDomain(err, instance));
      return;
    }
    const parser = fromParser(err, instance);
    if (parser) {
      sendProblem(res, parser);
      return;
    }
    if (isDependencyUnavailable(err)) {
      req.log.warn({ err }, 'dependency unavailable');
      res.setHeader('Retry-After', '1');
      sendProblem(res, {
        type: `${PROBLEM_BASE}dependency-unavailable`,
        title: 'A dependency is unavailable',
        status: 503,
        detail: 'The database or cache did not answer; retry shortly.',
        instance,
        code: 'dependency_unavailable',
      });
      return;
    }
    req.log.error({ err }, 'unhandled error');
    sendProblem(res, { type: 'about:blank', title: 'Internal Server Error', status: 500, instance });
  };
}
