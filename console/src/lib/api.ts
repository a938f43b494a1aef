// The one HTTP client of the console: JSON in and out, the access token on every call, one
// silent refresh and retry on 401, and RFC 9457 problems turned into ApiError.
import { takeBooted } from './boot';

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** An answer other than 2xx, as the API's problem+json describes it. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly code: string | undefined;
  readonly field: string | undefined;
  readonly issues: readonly FieldIssue[];
  readonly requestId: string | undefined;

  constructor(status: number, problem: Record<string, unknown>, requestId?: string) {
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${String(status)}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    super(detail ?? title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.code = typeof problem.code === 'string' ? problem.code : undefined;
    this.field = typeof problem.field === 'string' ? problem.field : undefined;
    this.issues = Array.isArray(problem.errors) ? (problem.errors as FieldIssue[]) : [];
    this.requestId = requestId;
  }

  /** The message for one input field, if the API named it. */
  issueFor(field: string): string | undefined {
    return (
      this.issues.find((i) => i.field === field)?.message ?? (this.field === field ? this.detail : undefined)
    );
  }
}

/** Network failure (no answer at all): told apart from ApiError so pages can say "cannot reach". */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The PayFlow API cannot be reached. Check your connection and try again.', { cause });
    this.name = 'NetworkError';
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as `Idempotency-Key`: one per user intent (see lib/idempotency.ts). */
  idempotencyKey?: string;
  /** false: no access token and no renewal on 401 (sign-in and refresh themselves). */
  auth?: false;
  signal?: AbortSignal;
}

interface Credentials {
  /** The current access token, refreshed first when it is about to expire. */
  token(): Promise<string | undefined>;
  /**
   * Called after a 401 with the token that was refused: refresh once; resolves the new token or
   * undefined (signed out, e.g. when the session was ended elsewhere).
   */
  renew(refused: string | undefined): Promise<string | undefined>;
}

let credentials: Credentials = {
  token: () => Promise.resolve(undefined),
  renew: () => Promise.resolve(undefined),
};

/** Installed by the auth provider. */
export function setCredentials(c: Credentials): void {
  credentials = c;
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

function headersFor(opts: RequestOptions, token: string | undefined): Headers {
  const h = new Headers(opts.headers);
  h.set('Accept', 'application/json');
  if (opts.body !== undefined) h.set('Content-Type', 'application/json');
  if (token) h.set('Authorization', `Bearer ${token}`);
  if (opts.idempotencyKey) h.set('Idempotency-Key', opts.idempotencyKey);
  return h;
}

async function send(url: string, opts: RequestOptions, token: string | undefined): Promise<Response> {
  // The first requests of a page load may have been sent already, by the boot script.
  const booted = await takeBooted(opts.method ?? 'GET', url, token);
  if (booted) return booted;
  try {
    return await fetch(url, {
      method: opts.method ?? 'GET',
      headers: headersFor(opts, token),
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      credentials: 'same-origin',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new NetworkError(err);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let problem: Record<string, unknown>;
  try {
    problem = (await res.json()) as Record<string, unknown>;
  } catch {
    problem = { title: res.statusText || `HTTP ${String(res.status)}` };
  }
  return new ApiError(res.status, problem, res.headers.get('x-request-id') ?? undefined);
}

/** Sends a request and answers the parsed JSON body (undefined for 204). */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await respond(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Like request, but answers the raw Response (streams, CSV). Non-2xx still throws ApiError. */
export async function respond(path: string, opts: RequestOptions = {}): Promise<Response> {
  const url = withQuery(path, opts.query);
  const token = opts.auth === false ? undefined : await credentials.token();
  let res = await send(url, opts, token);
  // A 401 from sign-in, refresh or sign-out is their answer, not an expired access token: renewing
  // there would wait on the very refresh that is asking.
  if (res.status === 401 && opts.auth !== false && !path.startsWith('/api/v1/auth/')) {
    const renewed = await credentials.renew(token);
    if (renewed) res = await send(url, opts, renewed);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...opts, method: 'POST', body: body ?? {} }),
  patch: <T>(path: string, body: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...opts, method: 'PATCH', body }),
  put: <T>(path: string, body: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...opts, method: 'PUT', body }),
  delete: <T>(path: string, opts: Omit<RequestOptions, 'method'> = {}) =>
    request<T>(path, { ...opts, method: 'DELETE' }),
};

/** A page of a list endpoint, as every /api/v1 list answers. */
export interface Page<T> {
  data: T[];
  pagination: {
    limit: number;
    offset: number;
    total: number | null;
    total_exact?: boolean;
    next_cursor?: string | null;
  };
}

/** A human sentence for any error a query or mutation can throw. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const issue = err.issues[0];
    if (issue && err.issues.length === 1 && issue.field) return `${issue.field}: ${issue.message}`;
    return err.detail ?? err.title;
  }
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
