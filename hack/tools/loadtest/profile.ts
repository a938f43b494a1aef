// A load profile: open-loop (a rate of requests per second) or closed-loop (a number of
// connections each sending as fast as answers come back), for a bounded duration, over a mix of
// operations, with a share of duplicates (creations retried with the same Idempotency-Key,
// events delivered twice) and of reordering (events delivered before their predecessor). It
// comes from flags or from a JSON or YAML file (flags win), and every figure has a ceiling.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../lib/errors.ts';

export const OPERATIONS = ['create', 'get', 'list', 'events'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const OPERATION_LABELS: Record<Operation, string> = {
  create: 'POST /api/v1/transactions',
  get: 'GET /api/v1/transactions/:id',
  list: 'GET /api/v1/transactions?merchant_id',
  events: 'SQS events (SendMessageBatch)',
};

export const LIMITS = { rate: 10_000, connections: 500, durationSeconds: 600, payments: 20_000 } as const;

const ratio = z.number().min(0).max(1);
const weight = z.number().min(0).max(1000);

export const profileSchema = z
  .object({
    mode: z.enum(['rate', 'concurrency']).default('concurrency'),
    /** Requests (and event messages) per second over all operations, in rate mode. */
    rate: z.number().int().min(1).max(LIMITS.rate).default(100),
    /** Connections over all API operations (split by the mix); in concurrency mode, also the SQS senders. */
    connections: z.number().int().min(1).max(LIMITS.connections).default(10),
    durationSeconds: z.number().int().min(1).max(LIMITS.durationSeconds).default(10),
    mix: z
      .object({
        create: weight.default(0),
        get: weight.default(0),
        list: weight.default(0),
        events: weight.default(0),
      })
      .strict()
      .default({ create: 1, get: 2, list: 1, events: 2 })
      .refine((m) => m.create + m.get + m.list + m.events > 0, 'at least one operation must have a weight'),
    duplicates: ratio.default(0.05),
    reorder: ratio.default(0.1),
  })
  .strict();

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;

/** A profile figure or file that is not right (exit 2); `field` is the flag or file. */
export class ProfileError extends UsageError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ProfileError';
    this.field = field;
  }
}

/** A profile file (JSON, or YAML by its extension .yaml/.yml), as plain data. */
export function readProfileFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileError('--profile', `cannot read ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ProfileError(
      '--profile',
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new ProfileError(
      '--profile',
      `${path} must hold an object (mode, rate, connections, durationSeconds, mix, duplicates, reorder)`,
    );
  return data as Record<string, unknown>;
}

/** Parses `create=1,get=2,events=1` into mix weights. */
export function parseMix(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name = '', value = ''] = part.split('=');
    if (!(OPERATIONS as readonly string[]).includes(name))
      throw new ProfileError('--mix', `unknown operation "${name}" (known: ${OPERATIONS.join(', ')})`);
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n < 0)
      throw new ProfileError('--mix', `weight of ${name} must be a number ≥ 0`);
    out[name] = n;
  }
  return out;
}

const FLAG_OF: Record<string, string> = {
  mode: '--mode',
  rate: '--rate',
  connections: '--connections',
  durationSeconds: '--duration',
  mix: '--mix',
  duplicates: '--duplicates',
  reorder: '--reorder',
};

/** The field a zod issue is about, as the flag that sets it. */
function fieldOf(issue: z.core.$ZodIssue | undefined): string {
  const key = String(issue?.path[0] ?? '');
  return FLAG_OF[key] ?? (key || 'profile');
}

/** The profile from a file's data with flags on top; ProfileError names the first bad field. */
export function resolveProfile(fromFile: Record<string, unknown>, flags: Record<string, unknown>): Profile {
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  const r = profileSchema.safeParse(merged);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue && issue.path.length > 1 ? ` (${issue.path.join('.')})` : '';
  throw new ProfileError(fieldOf(issue), `${issue?.message ?? 'invalid'}${at}`);
}

/** The share of each operation with a weight, normalised to 1. */
export function shares(p: Profile): [Operation, number][] {
  const total = OPERATIONS.reduce((n, op) => n + p.mix[op], 0);
  return OPERATIONS.filter((op) => p.mix[op] > 0).map((op) => [op, p.mix[op] / total]);
}
