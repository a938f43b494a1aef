// Shared pieces of the operational use cases: who acts (for the audit row), paging with
// offset or keyset cursors, a tiny parameter binder for filters, and version preconditions.
import type pg from 'pg';
import { z } from 'zod';
import { PreconditionFailed, ValidationError } from '../domain/errors.ts';
import { actorOf, type Principal } from '../http/principal.ts';
import type { AuditEntry } from '../store/tx.ts';

/** The caller of a use case: the principal and the request id the audit row carries. */
export interface Actor {
  readonly principal: Principal | undefined;
  readonly requestId: string | null;
}

/** The actor part of an audit entry. */
export function auditBy(actor: Actor): Pick<AuditEntry, 'actorType' | 'actorId' | 'requestId'> {
  return { ...actorOf(actor.principal), requestId: actor.requestId };
}

// ---------------------------------------------------------------------------------------------
// Query parameters

export const MAX_LIMIT = 200;

/** `limit`, `offset` (as the seed shows) and `cursor` (keyset, for deep pages). */
export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
  cursor: z.string().min(1).max(512).optional(),
};

/** An ISO 8601 timestamp with an offset, as a query parameter. */
export const timeParam = z.iso.datetime({ offset: true });

/** `sort=created_at` or `sort=-created_at` (descending), from an allow-list of keys. */
export function sortParam<K extends string>(keys: readonly [K, ...K[]], fallback: string): z.ZodType<string> {
  const values = keys.flatMap((k) => [k, `-${k}`]);
  return z
    .string()
    .refine((v) => values.includes(v), { error: `must be one of ${values.join(', ')}` })
    .default(fallback);
}

/** Escapes `%`, `_` and `\` for a LIKE pattern. */
export function likePattern(text: string): string {
  return `%${text.replaceAll(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Collects SQL conditions with numbered parameters; values never enter the SQL text. */
export class SqlFilter {
  readonly clauses: string[] = [];
  readonly values: unknown[] = [];

  bind(value: unknown): string {
    this.values.push(value);
    return `$${String(this.values.length)}`;
  }

  where(clause: string): void {
    this.clauses.push(clause);
  }

  /** Adds `clause(bind(value))` when value is defined. */
  when(value: unknown, clause: (param: string) => string): void {
    if (value !== undefined) this.where(clause(this.bind(value)));
  }

  get sql(): string {
    return this.clauses.length > 0 ? `where ${this.clauses.join(' and ')}` : '';
  }
}

// ---------------------------------------------------------------------------------------------
// Paging

/** A sortable key: a SQL expression over alias `t` and the type its cursor value casts back to. */
export interface SortKey {
  readonly expr: string;
  readonly type: 'timestamptz' | 'integer' | 'text';
}

export interface Page<T> {
  readonly data: T[];
  readonly pagination: {
    readonly limit: number;
    readonly offset: number;
    readonly total: number;
    readonly next_cursor: string | null;
  };
}

interface CursorValue {
  readonly v: string;
  readonly id: string;
}

const cursorSchema = z.strictObject({ s: z.string(), v: z.string(), id: z.string() });

function encodeCursor(sort: string, value: CursorValue): string {
  return Buffer.from(JSON.stringify({ s: sort, ...value })).toString('base64url');
}

function decodeCursor(cursor: string, sort: string): CursorValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ValidationError.of('cursor', 'is not a cursor returned by this endpoint');
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) throw ValidationError.of('cursor', 'is not a cursor returned by this endpoint');
  if (result.data.s !== sort) throw ValidationError.of('cursor', `was issued for sort=${result.data.s}`);
  return { v: result.data.v, id: result.data.id };
}

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
  readonly cursor?: string | undefined;
  /** The validated sort parameter, e.g. `-created_at`. */
  readonly sort: string;
}

export interface ListSpec<R> {
  /** `select` list over alias `t` (and any joins in `from`). */
  readonly columns: string;
  /** `from` clause naming the main table as `t`. */
  readonly from: string;
  readonly filter: SqlFilter;
  readonly sortKeys: Readonly<Record<string, SortKey>>;
  readonly page: PageRequest;
  readonly map: (row: R) => unknown;
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Runs a list query: filter, sort by an allowed key then id, and page by offset or by keyset
 * cursor (a cursor continues after the last row of the previous page; offset must then be 0).
 */
export async function listPage<R extends object>(db: Queryable, spec: ListSpec<R>): Promise<Page<unknown>> {
  const { filter, page } = spec;
  const desc = page.sort.startsWith('-');
  const key = spec.sortKeys[desc ? page.sort.slice(1) : page.sort];
  if (!key) throw ValidationError.of('sort', 'is not a sortable key');
  const counted = await db.query<{ total: bigint }>(
    `select count(*) as total from ${spec.from} ${filter.sql}`,
    filter.values,
  );
  if (page.cursor !== undefined) addCursor(filter, key, page);
  const dir = desc ? 'desc' : 'asc';
  const { rows } = await db.query<R & { sort_value: string; id: string }>(
    `select ${spec.columns}, (${key.expr})::text as sort_value from ${spec.from} ${filter.sql}
      order by ${key.expr} ${dir}, t.id ${dir} limit ${String(page.limit + 1)} offset ${String(page.offset)}`,
    filter.values,
  );
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  const next =
    rows.length > page.limit && last ? encodeCursor(page.sort, { v: last.sort_value, id: last.id }) : null;
  return {
    // sort_value is the keyset's own column, not part of the resource.
    data: shown.map(({ sort_value: _sortValue, ...r }) => spec.map(r as unknown as R)),
    pagination: {
      limit: page.limit,
      offset: page.offset,
      total: Number(counted.rows[0]?.total ?? 0n),
      next_cursor: next,
    },
  };
}

function addCursor(filter: SqlFilter, key: SortKey, page: PageRequest): void {
  if (page.offset > 0) throw ValidationError.of('offset', 'must be 0 when a cursor is given');
  const c = decodeCursor(page.cursor ?? '', page.sort);
  const op = page.sort.startsWith('-') ? '<' : '>';
  filter.where(`(${key.expr}, t.id) ${op} (${filter.bind(c.v)}::${key.type}, ${filter.bind(c.id)})`);
}

// ---------------------------------------------------------------------------------------------
// Versions: ETag / If-Match

export function etagOf(version: number): string {
  return `"${String(version)}"`;
}

/** The version an `If-Match` header asks for, or undefined when there is none. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(header.trim());
  if (!match?.[1]) throw ValidationError.of('If-Match', 'must be an ETag returned by this API, e.g. "3"');
  return Number(match[1]);
}

/** Throws 412 when the caller's expected version is not the current one. */
export function checkVersion(expected: number | undefined, current: number): void {
  if (expected !== undefined && expected !== current) {
    throw new PreconditionFailed(`The resource is at version ${String(current)}, not ${String(expected)}.`);
  }
}

/** A list of enum values: `status=open,acknowledged` or `status=open&status=acknowledged`. */
export function enumList<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== ''))
    .pipe(z.array(z.enum(values)).min(1).max(values.length));
}

/** One string query parameter (a repeated one is an error, not an array). */
export const textParam = (max = 128) => z.string().min(1).max(max);
