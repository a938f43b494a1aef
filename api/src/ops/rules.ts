// Rules managed through the API (source 'api'). Rules synced from a Kubernetes Rule resource
// (source 'kubernetes') are read-only here: their resource is the source of truth.
import type pg from 'pg';
import { Conflict, NotFound } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Expr, RuleDefinition } from '../domain/rules-schema.ts';
import { appendAudit } from '../store/tx.ts';
import {
  auditBy,
  checkVersion,
  likePattern,
  listPage,
  SqlFilter,
  type Actor,
  type Page,
  type PageRequest,
} from './common.ts';

export const RULE_SORT_KEYS = ['name', 'created_at', 'updated_at'] as const;

interface RuleRow {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  mode: RuleDefinition['mode'];
  action: RuleDefinition['action'];
  severity: RuleDefinition['severity'];
  definition: Expr;
  source: 'api' | 'kubernetes';
  external_uid: string | null;
  version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  hits_24h: bigint;
}

export interface Rule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  rule_definition: RuleDefinition;
  source: 'api' | 'kubernetes';
  version: number;
  hits_24h: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What a client writes: the seed's body with a validated definition. */
export interface RuleInput {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly rule_definition: RuleDefinition;
}

const COLUMNS = `t.id, t.name, t.description, t.enabled, t.mode, t.action, t.severity, t.definition,
  t.source, t.external_uid, t.version, t.created_by, t.created_at, t.updated_at,
  (select count(*) from rule_hits h where h.rule_id = t.id and h.matched_at > now() - interval '24 hours') as hits_24h`;

const SORT_KEYS = {
  name: { expr: 't.name', type: 'text' },
  created_at: { expr: 't.created_at', type: 'timestamptz' },
  updated_at: { expr: 't.updated_at', type: 'timestamptz' },
} as const;

// The `definition` column holds the expression tree (as the Kubernetes sync writes it); action,
// severity and mode have their own columns. The API shows them together as `rule_definition`.
function toRule(row: RuleRow): Rule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    rule_definition: {
      condition: row.definition,
      action: row.action,
      severity: row.severity,
      mode: row.mode,
    },
    source: row.source,
    version: row.version,
    hits_24h: Number(row.hits_24h),
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface RuleFilters {
  enabled?: boolean | undefined;
  source?: 'api' | 'kubernetes' | undefined;
  mode?: string | undefined;
  severity?: string[] | undefined;
  q?: string | undefined;
}

export async function listRules(pool: pg.Pool, f: RuleFilters, page: PageRequest): Promise<Page<unknown>> {
  const filter = new SqlFilter();
  filter.where('t.deleted_at is null');
  filter.when(f.enabled, (p) => `t.enabled = ${p}`);
  filter.when(f.source, (p) => `t.source = ${p}`);
  filter.when(f.mode, (p) => `t.mode = ${p}`);
  filter.when(f.severity, (p) => `t.severity = any(${p}::text[])`);
  if (f.q !== undefined) {
    const like = filter.bind(likePattern(f.q));
    filter.where(`(t.id = ${filter.bind(f.q)} or t.name ilike ${like} or t.description ilike ${like})`);
  }
  return listPage<RuleRow>(pool, {
    columns: COLUMNS,
    from: 'rules t',
    filter,
    sortKeys: SORT_KEYS,
    page,
    map: toRule,
  });
}

async function findRule(db: pg.ClientBase | pg.Pool, id: string, lock = false): Promise<Rule> {
  const { rows } = await db.query<RuleRow>(
    `select ${COLUMNS} from rules t where t.id = $1 and t.deleted_at is null${lock ? ' for update' : ''}`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Rule', id);
  return toRule(row);
}

export async function getRule(pool: pg.Pool, id: string): Promise<Rule> {
  return findRule(pool, id);
}

function nameTaken(err: unknown, name: string): Conflict | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'rules_name') {
    return new Conflict(`A rule named ${name} already exists.`, { field: 'name', code: 'name_taken' });
  }
  return undefined;
}

async function audit(
  client: pg.ClientBase,
  actor: Actor,
  e: { action: string; id: string; before?: Rule; after?: Rule },
): Promise<void> {
  await appendAudit(client, {
    ...auditBy(actor),
    action: e.action,
    resourceType: 'rule',
    resourceId: e.id,
    before: e.before,
    after: e.after,
  });
  // Delivered on commit: the live stream relays it, and workers may listen to refresh their rules.
  const note = { kind: 'rule', type: e.action, id: e.id, version: (e.after ?? e.before)?.version ?? null };
  await client.query("select pg_notify('payflow_events', $1)", [JSON.stringify(note)]);
}

export async function createRule(tx: pg.ClientBase, input: RuleInput, actor: Actor): Promise<Rule> {
  const id = newId('rul');
  const d = input.rule_definition;
  await tx
    .query(
      `insert into rules (id, name, description, enabled, mode, action, severity, definition, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
      [
        id,
        input.name,
        input.description,
        input.enabled,
        d.mode,
        d.action,
        d.severity,
        JSON.stringify(d.condition),
        actor.principal?.id ?? null,
      ],
    )
    .catch((err: unknown) => {
      throw nameTaken(err, input.name) ?? err;
    });
  const after = await findRule(tx, id);
  await audit(tx, actor, { action: 'rule.created', id, after });
  return after;
}

function assertManagedHere(rule: Rule): void {
  if (rule.source === 'kubernetes') {
    throw new Conflict(
      `Rule ${rule.name} is managed by its Kubernetes Rule resource; change the resource instead.`,
      { code: 'managed_by_kubernetes', title: 'Managed by Kubernetes' },
    );
  }
}

export async function updateRule(
  tx: pg.ClientBase,
  id: string,
  input: RuleInput & { expectedVersion: number | undefined },
  actor: Actor,
): Promise<Rule> {
  const d = input.rule_definition;
  const before = await findRule(tx, id, true);
  assertManagedHere(before);
  checkVersion(input.expectedVersion, before.version);
  await tx
    .query(
      `update rules set name = $2, description = $3, enabled = $4, mode = $5, action = $6, severity = $7,
         definition = $8::jsonb, version = version + 1, updated_at = now()
       where id = $1`,
      [
        id,
        input.name,
        input.description,
        input.enabled,
        d.mode,
        d.action,
        d.severity,
        JSON.stringify(d.condition),
      ],
    )
    .catch((err: unknown) => {
      throw nameTaken(err, input.name) ?? err;
    });
  const after = await findRule(tx, id);
  await audit(tx, actor, { action: 'rule.updated', id, before, after });
  return after;
}

export async function deleteRule(
  tx: pg.ClientBase,
  id: string,
  ctx: { actor: Actor; expectedVersion: number | undefined },
): Promise<void> {
  const before = await findRule(tx, id, true);
  assertManagedHere(before);
  checkVersion(ctx.expectedVersion, before.version);
  await tx.query(
    'update rules set deleted_at = now(), enabled = false, version = version + 1, updated_at = now() where id = $1',
    [id],
  );
  await audit(tx, ctx.actor, { action: 'rule.deleted', id, before });
}
