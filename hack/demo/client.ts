// A small client for the PayFlow API as a user of it sees it: JSON over HTTP with a bearer
// credential (an access token or an API key) and an Idempotency-Key on every POST.
import { randomUUID } from 'node:crypto';

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(what: string, status: number, body: unknown) {
    super(`${what} answered ${String(status)}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export interface Payment {
  id: string;
  merchant_id: string;
  payer_id: string;
  amount_minor: string;
  currency: string;
  current_state: string;
  flagged: boolean;
  held: boolean;
  version: number;
}

export interface Page<T> {
  data: T[];
  pagination: { total: number | null; limit: number };
}

export interface SignedIn {
  accessToken: string;
  expiresIn: number;
  user: { id: string; email: string; role: string };
}

export class ApiClient {
  readonly base: string;
  private credential: string | undefined;

  constructor(base: string, credential?: string) {
    this.base = base;
    this.credential = credential;
  }

  withCredential(credential: string): ApiClient {
    return new ApiClient(this.base, credential);
  }

  /** Any answer, whatever its status. */
  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credential) headers.authorization = `Bearer ${this.credential}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = `demo-${randomUUID()}`;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    return { status: res.status, body: parsed as T };
  }

  /** A 2xx answer's body; anything else is an ApiError. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request<T>(method, path, body);
    if (res.status < 200 || res.status > 299) throw new ApiError(`${method} ${path}`, res.status, res.body);
    return res.body;
  }

  async get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  async login(email: string, password: string): Promise<SignedIn> {
    return this.post<SignedIn>('/api/v1/auth/login', { email, password });
  }
}

/**
 * Card networks' dispute reason codes, as a processor passes them on (data.reason_code), fraud
 * ones and others: Visa 10.4 and 13.1, Mastercard 4837 and 4853, American Express F29 and C08,
 * Discover UA02 and RG04.
 */
const DISPUTE_REASON_CODES = ['10.4', '13.1', '4837', '4853', 'F29', 'C08', 'UA02', 'RG04'];

/** A dispute's reason code, picked among the networks' fraud and other codes. */
export function disputeReasonCode(r = Math.random()): string {
  return DISPUTE_REASON_CODES[Math.floor(r * DISPUTE_REASON_CODES.length)] ?? '10.4';
}

/** A processor event for `POST /api/v1/events` (see api/src/domain/events.ts). */
export function processorEvent(payment: Payment, type: string): Record<string, unknown> {
  const event: Record<string, unknown> = {
    event_id: `demo-${randomUUID()}`,
    type,
    payment_id: payment.id,
    occurred_at: new Date().toISOString(),
    currency: payment.currency,
  };
  if (type === 'payment.partially_refunded') {
    event.amount_minor = String(Math.max(1, Math.floor(Number(payment.amount_minor) / 2)));
  }
  if (type === 'payment.disputed') event.data = { reason_code: disputeReasonCode() };
  return event;
}
