import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { Forbidden, Unauthorized, ValidationError } from '../domain/errors.ts';
import { issuesFromZod } from '../domain/validation.ts';
import {
  merchantScopeOf,
  roleAtLeast,
  type Access,
  type Authenticator,
  type Principal,
  type ScopeHandling,
} from './principal.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler sees: validated input, the caller, and the raw request for the rare need. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
  req: Request;
  res: Response;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  /** The body already serialized as JSON (sent as is, as application/json); instead of `body`. */
  json?: string;
  headers?: Record<string, string>;
}

/**
 * One endpoint, declared once: method, path, the least role it needs, zod
 * schemas for params, query and body (also the source of the OpenAPI
 * document), and the handler. Handlers return a result or throw domain errors;
 * they never build error bodies.
 */
export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Express path, e.g. `/api/v1/transactions/:transactionId`. */
  path: string;
  access: Access;
  /** How merchant scopes apply to this route (see ScopeHandling); required, so none is forgotten. */
  scope: ScopeHandling;
  summary: string;
  tags: string[];
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Response schemas by status, for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Server-sent events or other streaming: the handler writes the response itself. */
  streaming?: boolean;
  handler: (ctx: RouteContext<P, Q, B>) => Promise<RouteResult | undefined>;
}

/** Helps TypeScript infer P, Q and B from the schemas. */
export function defineRoute<P = unknown, Q = unknown, B = unknown>(
  def: RouteDef<P, Q, B>,
): RouteDef<P, Q, B> {
  return def;
}

// A route table holds routes of many shapes; it is the mount point that knows them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, prefix: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(issuesFromZod(result.error.issues, prefix ? [prefix] : []));
  return result.data;
}

async function authorize(
  route: AnyRoute,
  req: Request,
  authenticate: Authenticator,
): Promise<Principal | undefined> {
  const principal = await authenticate(req);
  if (route.access === 'public') return principal;
  if (!principal) throw new Unauthorized('Sign in or present an API key.');
  if (route.access === 'signed_in') return principal;
  if (principal.role === 'none') {
    throw new Forbidden(
      'Your account has no access yet: an administrator has to approve it and grant a role.',
    );
  }
  if (!roleAtLeast(principal.role, route.access)) {
    throw new Forbidden(`This needs the ${route.access} role; you have ${principal.role}.`);
  }
  if (route.scope === 'unscoped' && merchantScopeOf(principal) !== undefined) {
    throw new Forbidden('This works over every merchant; your access is limited to some merchants.');
  }
  return principal;
}

function send(res: Response, result: RouteResult | undefined): void {
  if (!result || res.headersSent) return;
  if (result.headers) res.set(result.headers);
  if (result.json !== undefined) res.status(result.status).type('application/json').send(result.json);
  else if (result.body === undefined) res.status(result.status).end();
  else res.status(result.status).json(result.body);
}

function handlerFor(route: AnyRoute, authenticate: Authenticator) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const run = async (): Promise<void> => {
      const principal = await authorize(route, req, authenticate);
      req.principal = principal;
      const ctx: RouteContext<unknown, unknown, unknown> = {
        params: parsePart<unknown>(route.params, req.params, ''),
        query: parsePart<unknown>(route.query, req.query, ''),
        body: parsePart<unknown>(route.body, req.body, ''),
        principal,
        req,
        res,
      };
      send(res, await route.handler(ctx));
    };
    run().catch(next);
  };
}

/** `/api/v1/<resource>` of a path whose first three segments are literal, else undefined. */
function resourceOf(path: string): string | undefined {
  const [root, ...rest] = path.split('/');
  const head = rest.slice(0, 3);
  if (root !== '' || head.length < 3 || head.some((p) => p === '' || /[:*?(){}]/.test(p))) return undefined;
  return `/${head.join('/')}`;
}

/**
 * Mounts a table of routes on a router: authenticate, check the role, validate, run, send.
 * Routes are grouped by resource (`/api/v1/transactions`, `/api/v1/auth`, …) into one
 * sub-router each, so that a request is matched against its own resource's routes only instead
 * of every route of the API in turn; within a resource the table's order is kept. (Paths that
 * do not start with three literal segments keep the flat mounting, for the whole table.)
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], authenticate: Authenticator): void {
  const groups = new Map<string, AnyRoute[]>();
  for (const route of routes) {
    const resource = resourceOf(route.path);
    if (resource === undefined) {
      for (const r of routes) router[r.method](r.path, handlerFor(r, authenticate));
      return;
    }
    groups.set(resource, [...(groups.get(resource) ?? []), route]);
  }
  for (const [resource, list] of groups) {
    const sub = express.Router();
    for (const r of list) sub[r.method](r.path.slice(resource.length) || '/', handlerFor(r, authenticate));
    router.use(resource, sub);
  }
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string().optional(),
    field: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
