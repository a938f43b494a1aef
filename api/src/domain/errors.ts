// Typed domain errors. Domain code throws these; one HTTP middleware maps them to RFC 9457
// problem+json (`status`, `title`, `detail`, plus `code` and `field`/`errors` extensions), and
// the worker maps them to "dead-letter with reason" versus "retry".
//
// Erasable syntax only: no parameter properties, no enums.

/** One problem with one input field. `field` is a dotted path like `condition.all[1].op`. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export interface DomainErrorOptions {
  /** The input field at fault, as a dotted path (`amount`, `rule_definition.all[1].op`). */
  readonly field?: string;
  readonly cause?: unknown;
}

interface DomainErrorInit extends DomainErrorOptions {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
}

export class DomainError extends Error {
  /** Stable machine-readable code (`validation_failed`, `invalid_transition`, …). */
  readonly code: string;
  /** The HTTP status this error suggests. */
  readonly status: number;
  /** Short, human-readable summary of the problem type (RFC 9457 `title`). */
  readonly title: string;
  /** Human-readable explanation specific to this occurrence (RFC 9457 `detail`). */
  readonly detail: string;
  readonly field: string | undefined;

  protected constructor(init: DomainErrorInit) {
    super(init.detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.field = init.field;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

function summarize(issues: readonly FieldIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'The input is invalid.';
  const head = first.field === '' ? first.message : `${first.field}: ${first.message}`;
  return issues.length === 1 ? head : `${head} (and ${issues.length - 1} more)`;
}

function isIssueList(value: FieldIssue | readonly FieldIssue[]): value is readonly FieldIssue[] {
  return Array.isArray(value);
}

/** 400: the input violates the schema or a domain rule; `issues` name every field at fault. */
export class ValidationError extends DomainError {
  /** Every problem found, each with its field path; never empty. */
  readonly issues: readonly FieldIssue[];

  constructor(issues: FieldIssue | readonly FieldIssue[], options: { readonly cause?: unknown } = {}) {
    const list = isIssueList(issues) ? issues : [issues];
    const safe = list.length > 0 ? list : [{ field: '', message: 'The input is invalid.' }];
    super({
      code: 'validation_failed',
      status: 400,
      title: 'Validation failed',
      detail: summarize(safe),
      field: safe[0]?.field,
      cause: options.cause,
    });
    this.issues = Object.freeze([...safe]);
  }

  /** Shorthand for a single-field error. */
  static of(field: string, message: string): ValidationError {
    return new ValidationError({ field, message });
  }
}

/** 404: the resource does not exist (or the caller may not know it exists). */
export class NotFound extends DomainError {
  readonly resource: string;
  readonly id: string | undefined;

  constructor(resource: string, id?: string, options: DomainErrorOptions = {}) {
    super({
      code: 'not_found',
      status: 404,
      title: 'Not found',
      detail: id === undefined ? `${resource} not found.` : `${resource} ${id} not found.`,
      ...options,
    });
    this.resource = resource;
    this.id = id;
  }
}

export interface ConflictOptions extends DomainErrorOptions {
  /** Lets subclasses keep status 409 with a more specific code. */
  readonly code?: string;
  readonly title?: string;
}

/** 409: the request conflicts with the current state of the resource. */
export class Conflict extends DomainError {
  constructor(detail: string, options: ConflictOptions = {}) {
    super({
      code: options.code ?? 'conflict',
      status: 409,
      title: options.title ?? 'Conflict',
      detail,
      field: options.field,
      cause: options.cause,
    });
  }
}

/** 409: the payment state machine does not allow `from → to`. */
export class InvalidTransition extends Conflict {
  readonly from: string;
  readonly to: string;

  constructor(from: string, to: string, detail?: string) {
    super(detail ?? `A payment cannot go from ${from} to ${to}.`, {
      code: 'invalid_transition',
      title: 'Invalid state transition',
    });
    this.from = from;
    this.to = to;
  }
}

/** 403: authenticated, but not allowed to do this. */
export class Forbidden extends DomainError {
  constructor(detail = 'You are not allowed to do this.', options: DomainErrorOptions = {}) {
    super({ code: 'forbidden', status: 403, title: 'Forbidden', detail, ...options });
  }
}

/** 401: no valid credentials. */
export class Unauthorized extends DomainError {
  constructor(detail = 'Authentication is required.', options: DomainErrorOptions = {}) {
    super({ code: 'unauthorized', status: 401, title: 'Unauthorized', detail, ...options });
  }
}

/** 412: an `If-Match` (or similar) precondition did not hold. */
export class PreconditionFailed extends DomainError {
  constructor(detail = 'The resource has changed since it was read.', options: DomainErrorOptions = {}) {
    super({ code: 'precondition_failed', status: 412, title: 'Precondition failed', detail, ...options });
  }
}

/** 429: too many requests; retry after `retryAfterSeconds`. */
export class RateLimited extends DomainError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, detail?: string) {
    const seconds = Math.max(0, Math.ceil(retryAfterSeconds));
    super({
      code: 'rate_limited',
      status: 429,
      title: 'Too many requests',
      detail: detail ?? `Too many requests; retry after ${seconds} seconds.`,
    });
    this.retryAfterSeconds = seconds;
  }
}

/** 422: an `Idempotency-Key` was reused with a different request body or route. */
export class IdempotencyMismatch extends DomainError {
  constructor(
    detail = 'This Idempotency-Key was already used with a different request.',
    options: DomainErrorOptions = {},
  ) {
    super({
      code: 'idempotency_key_mismatch',
      status: 422,
      title: 'Idempotency key reused',
      detail,
      field: options.field ?? 'Idempotency-Key',
      cause: options.cause,
    });
  }
}

/** 503: a dependency the request needs is not configured or not reachable; the caller may retry. */
export class ServiceUnavailable extends DomainError {
  constructor(detail: string, options: { readonly cause?: unknown } = {}) {
    super({ code: 'service_unavailable', status: 503, title: 'Service unavailable', detail, ...options });
  }
}
