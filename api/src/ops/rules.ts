// Rules managed through the API (source 'api'). Rules synced from a Kubernetes Rule resource
// (source 'kubernetes') are read-only here: their resource is the source of truth.
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;
import { Conflict, NotFound, ValidationError, type FieldIssue } from '../domain/errors.ts';
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
  shadow_of: string | null;
  version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A rule's hits over the last 24 hours: the total, and per hour, oldest first. */
interface RuleHits {
  hits_24h: number;
  hits_24h_series: number[];
}

export interface Rule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  rule_definition: RuleDefinition;
  source: 'api' | 'kubernetes';
  /** The Kubernetes Rule resource a `kubernetes` rule is synced from; null for API rules. */
  resource: { namespace: string; name: string } | null;
  /** The live rule this shadow rule challenges, if any. */
  shadow_of: string | null;
  version: number;
  hits_24h: number;
  /** Hits per hour over the last 24 hours, oldest first (24 numbers). */
  hits_24h_series: number[];
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
  readonly shadow_of?: string | null | undefined;
  /** Why the change is made: kept on the version it makes. */
  readonly reason?: string | undefined;
}

const COLUMNS = `t.id, t.name, t.description, t.enabled, t.mode, t.action, t.severity, t.definition,
  t.source, t.external_uid, t.shadow_of, t.version, t.created_by, t.created_at, t.updated_at`;

const HOURS = 24;

/**
 * The hit counters of some rules, in one index-only scan of rule_hits (rule_id, matched_at)
 * including merchant_id: a caller limited to some merchants counts only their payments' hits
 * (an aggregate about payments); undefined counts every merchant. `ago` is the hour bucket,
 * (now - ago - 1 h, now - ago h], as the series shows it.
 */
async function hitsOf(
  db: Queryable,
  ids: readonly string[],
  scope: readonly string[] | undefined,
): Promise<Map<string, RuleHits>> {
  const out = new Map<string, RuleHits>(
    ids.map((id) => [id, { hits_24h: 0, hits_24h_series: new Array<number>(HOURS).fill(0) }]),
  );
  if (ids.length === 0) return out;
  const { rows } = await db.query<{ rule_id: string; ago: number | null; n: number }>(
    `select rule_id,
            case when matched_at <= now()
                 then greatest(ceil(extract(epoch from now() - matched_at) / 3600)::int - 1, 0) end as ago,
            count(*)::int as n
       from rule_hits
      where rule_id = any($1::text[]) and matched_at > now() - interval '24 hours'
        and ($2::text[] is null or merchant_id = any($2::text[]))
      group by 1, 2`,
    [ids, scope ?? null],
  );
  for (const r of rows) {
    const h = out.get(r.rule_id);
    if (!h) continue;
    h.hits_24h += r.n;
    if (r.ago !== null && r.ago < HOURS)
      h.hits_24h_series[HOURS - 1 - r.ago] = (h.hits_24h_series[HOURS - 1 - r.ago] ?? 0) + r.n;
  }
  return out;
}

/** `payments/velocity` → {namespace, name}: the controller stores a synced rule under that name. */
function resourceOf(row: Pick<RuleRow, 'source' | 'name'>): Rule['resource'] {
  if (row.source !== 'kubernetes') return null;
  const [namespace, name, ...rest] = row.name.split('/');
  if (!namespace || !name || rest.length > 0) return { namespace: 'default', name: row.name };
  return { namespace, name };
}

const SORT_KEYS = {
  name: { expr: 't.name', type: 'text' },
  created_at: { expr: 't.created_at', type: 'timestamptz' },
  updated_at: { expr: 't.updated_at', type: 'timestamptz' },
} as const;

// The `definition` column holds the expression tree (as the Kubernetes sync writes it); action,
// severity and mode have their own columns. The API shows them together as `rule_definition`.
function toRule(row: RuleRow, hits: RuleHits | undefined): Rule {
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
    resource: resourceOf(row),
    shadow_of: row.shadow_of,
    version: row.version,
    hits_24h: hits?.hits_24h ?? 0,
    hits_24h_series: hits?.hits_24h_series ?? new Array<number>(HOURS).fill(0),
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

/**
 * A page of rules. `scope`: the caller's merchants, when limited; the hit counters then count
 * only those merchants' payments.
 */
export async function listRules(
  pool: pg.Pool,
  f: RuleFilters,
  page: PageRequest,
  scope?: readonly string[],
): Promise<Page<unknown>> {
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
  const result = await listPage<RuleRow>(pool, {
    columns: COLUMNS,
    from: 'rules t',
    filter,
    sortKeys: SORT_KEYS,
    page,
    map: (row) => row,
  });
  const rows = result.data as RuleRow[];
  const hits = await hitsOf(
    pool,
    rows.map((r) => r.id),
    scope,
  );
  return { ...result, data: rows.map((r) => toRule(r, hits.get(r.id))) };
}

async function findRule(
  db: pg.ClientBase | pg.Pool,
  id: string,
  opts: { lock?: boolean; scope?: readonly string[] | undefined } = {},
): Promise<Rule> {
  const { rows } = await db.query<RuleRow>(
    `select ${COLUMNS} from rules t where t.id = $1 and t.deleted_at is null${opts.lock ? ' for update' : ''}`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Rule', id);
  const hits = await hitsOf(db, [id], opts.scope);
  return toRule(row, hits.get(id));
}

/** One rule; `scope` as for listRules. */
export async function getRule(pool: pg.Pool, id: string, scope?: readonly string[]): Promise<Rule> {
  return findRule(pool, id, { scope });
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
  e: { action: string; id: string; before?: Rule; after?: Rule; reason?: string | undefined },
): Promise<void> {
  await appendAudit(client, {
    ...auditBy(actor),
    action: e.action,
    resourceType: 'rule',
    resourceId: e.id,
    before: e.before,
    after: e.after,
    reason: e.reason ?? null,
  });
  // Delivered on commit: the live stream relays it, and workers may listen to refresh their rules.
  const note = { kind: 'rule', type: e.action, id: e.id, version: (e.after ?? e.before)?.version ?? null };
  await client.query("select pg_notify('payflow_events', $1)", [JSON.stringify(note)]);
}

type VersionChange = 'created' | 'updated' | 'rolled_back' | 'promoted' | 'deleted';

/** Names who makes the next rule change in this transaction, and why (the version trigger reads it). */
async function noteChange(
  tx: pg.ClientBase,
  actor: Actor,
  change: VersionChange,
  reason: string | undefined,
): Promise<void> {
  await tx.query(
    `select set_config('payflow.rule_actor', $1, true), set_config('payflow.rule_change', $2, true),
            set_config('payflow.rule_reason', $3, true)`,
    [actor.principal?.id ?? '', change, reason ?? ''],
  );
}

/** A rule may shadow a live rule: an existing, enforcing, API rule other than itself. */
async function checkShadowOf(
  tx: pg.ClientBase,
  target: string | null | undefined,
  self: { id?: string; mode: string },
): Promise<void> {
  if (target === null || target === undefined) return;
  const field = 'shadow_of';
  if (self.mode !== 'shadow')
    throw ValidationError.of(field, 'only a rule in shadow mode can shadow another');
  if (target === self.id) throw ValidationError.of(field, 'a rule cannot shadow itself');
  const { rows } = await tx.query<{ mode: string; source: string }>(
    'select mode, source from rules where id = $1 and deleted_at is null',
    [target],
  );
  const live = rows[0];
  if (!live) throw ValidationError.of(field, `no rule ${target}`);
  if (live.mode !== 'enforce')
    throw ValidationError.of(field, `rule ${target} is not live (it is in shadow mode)`);
}

export async function createRule(tx: pg.ClientBase, input: RuleInput, actor: Actor): Promise<Rule> {
  const id = newId('rul');
  const d = input.rule_definition;
  await checkShadowOf(tx, input.shadow_of, { mode: d.mode });
  await noteChange(tx, actor, 'created', input.reason);
  await tx
    .query(
      `insert into rules (id, name, description, enabled, mode, action, severity, definition, created_by, shadow_of)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)`,
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
        input.shadow_of ?? null,
      ],
    )
    .catch((err: unknown) => {
      throw nameTaken(err, input.name) ?? err;
    });
  const after = await findRule(tx, id);
  await audit(tx, actor, { action: 'rule.created', id, after, reason: input.reason });
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

/**
 * The fields GET shows and PUT cannot change. Sent back unchanged (a client PUTs what it read)
 * they are ignored; a different value is refused naming the field. `version` is the exception
 * that means something: a different one is a stale write (412), as with If-Match. Counters
 * (hits_24h, hits_24h_series) change on their own and are always ignored.
 */
export interface ReadOnlyEcho {
  readonly id?: unknown;
  readonly source?: unknown;
  readonly resource?: unknown;
  readonly version?: unknown;
  readonly created_by?: unknown;
  readonly created_at?: unknown;
  readonly updated_at?: unknown;
}

function sameInstant(a: unknown, b: Date): boolean {
  return typeof a === 'string' && Date.parse(a) === b.getTime();
}

export function readOnlyIssues(before: Rule, sent: ReadOnlyEcho): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const check = (field: keyof ReadOnlyEcho, same: (v: unknown) => boolean, shown: string) => {
    const v = sent[field];
    if (v !== undefined && !same(v)) {
      issues.push({ field, message: `is read-only (it is ${shown}); send it unchanged or leave it out` });
    }
  };
  check('id', (v) => v === before.id, before.id);
  check('source', (v) => v === before.source, before.source);
  check(
    'resource',
    (v) => JSON.stringify(v) === JSON.stringify(before.resource),
    JSON.stringify(before.resource),
  );
  check('created_by', (v) => v === before.created_by, JSON.stringify(before.created_by));
  check('created_at', (v) => sameInstant(v, before.created_at), before.created_at.toISOString());
  return issues;
}

export async function updateRule(
  tx: pg.ClientBase,
  id: string,
  input: RuleInput & { expectedVersion: number | undefined; echo?: ReadOnlyEcho },
  actor: Actor,
): Promise<Rule> {
  const d = input.rule_definition;
  const before = await findRule(tx, id, { lock: true });
  assertManagedHere(before);
  const issues = readOnlyIssues(before, input.echo ?? {});
  if (issues.length > 0) throw new ValidationError(issues);
  checkVersion(input.expectedVersion, before.version);
  const echoed = input.echo?.version;
  if (echoed !== undefined) checkVersion(typeof echoed === 'number' ? echoed : Number.NaN, before.version);
  // updated_at is checked after version: with the same version it is the same instant.
  if (input.echo?.updated_at !== undefined && !sameInstant(input.echo.updated_at, before.updated_at)) {
    throw ValidationError.of(
      'updated_at',
      `is read-only (it is ${before.updated_at.toISOString()}); send it unchanged or leave it out`,
    );
  }
  const shadowOf = input.shadow_of === undefined ? before.shadow_of : input.shadow_of;
  await checkShadowOf(tx, shadowOf, { id, mode: d.mode });
  await noteChange(tx, actor, 'updated', input.reason);
  await tx
    .query(
      `update rules set name = $2, description = $3, enabled = $4, mode = $5, action = $6, severity = $7,
         definition = $8::jsonb, shadow_of = $9, version = version + 1, updated_at = now()
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
        shadowOf,
      ],
    )
    .catch((err: unknown) => {
      throw nameTaken(err, input.name) ?? err;
    });
  const after = await findRule(tx, id);
  await audit(tx, actor, { action: 'rule.updated', id, before, after, reason: input.reason });
  return after;
}

export async function deleteRule(
  tx: pg.ClientBase,
  id: string,
  ctx: { actor: Actor; expectedVersion: number | undefined },
): Promise<void> {
  const before = await findRule(tx, id, { lock: true });
  assertManagedHere(before);
  checkVersion(ctx.expectedVersion, before.version);
  await noteChange(tx, ctx.actor, 'deleted', undefined);
  await tx.query(
    'update rules set deleted_at = now(), enabled = false, version = version + 1, updated_at = now() where id = $1',
    [id],
  );
  await audit(tx, ctx.actor, { action: 'rule.deleted', id, before });
}

// ---------------------------------------------------------------------------------------------
// Versions

export interface RuleVersion {
  rule_id: string;
  version: number;
  name: string;
  description: string;
  enabled: boolean;
  rule_definition: RuleDefinition;
  shadow_of: string | null;
  source: 'api' | 'kubernetes';
  change: string;
  /** Who made it: a user id, 'payflow-controller', or null when unknown. */
  changed_by: string | null;
  /** The user's email when the change was made by a user. */
  changed_by_email: string | null;
  reason: string | null;
  created_at: Date;
}

interface VersionRow {
  rule_id: string;
  version: number;
  name: string;
  description: string;
  enabled: boolean;
  mode: RuleDefinition['mode'];
  action: RuleDefinition['action'];
  severity: RuleDefinition['severity'];
  definition: Expr;
  shadow_of: string | null;
  source: 'api' | 'kubernetes';
  change: string;
  changed_by: string | null;
  changed_by_email: string | null;
  reason: string | null;
  created_at: Date;
}

const VERSION_SQL = `select v.rule_id, v.version, v.name, v.description, v.enabled, v.mode, v.action, v.severity,
    v.definition, v.shadow_of, v.source, v.change, v.changed_by, u.email as changed_by_email, v.reason, v.created_at
  from rule_versions v left join users u on u.id = v.changed_by`;

function toVersion(r: VersionRow): RuleVersion {
  const { mode, action, severity, definition, ...rest } = r;
  return { ...rest, rule_definition: { condition: definition, action, severity, mode } };
}

async function ruleExists(db: pg.ClientBase | pg.Pool, id: string): Promise<void> {
  const { rowCount } = await db.query('select 1 from rules where id = $1', [id]);
  if (rowCount !== 1) throw new NotFound('Rule', id);
}

/** Every version of a rule, newest first. */
export async function listVersions(pool: pg.Pool, id: string): Promise<RuleVersion[]> {
  await ruleExists(pool, id);
  const { rows } = await pool.query<VersionRow>(
    `${VERSION_SQL} where v.rule_id = $1 order by v.version desc`,
    [id],
  );
  return rows.map(toVersion);
}

export async function getVersion(
  db: pg.ClientBase | pg.Pool,
  id: string,
  version: number,
): Promise<RuleVersion> {
  await ruleExists(db, id);
  const { rows } = await db.query<VersionRow>(`${VERSION_SQL} where v.rule_id = $1 and v.version = $2`, [
    id,
    version,
  ]);
  const row = rows[0];
  if (!row) throw new NotFound('Rule version', `${id}@${String(version)}`, { field: 'version' });
  return toVersion(row);
}

/** Restores what a version held (name, description, enabled, definition) as a new version. */
export async function rollbackRule(
  tx: pg.ClientBase,
  id: string,
  input: { version: number; reason?: string | undefined; expectedVersion: number | undefined },
  actor: Actor,
): Promise<Rule> {
  const before = await findRule(tx, id, { lock: true });
  assertManagedHere(before);
  checkVersion(input.expectedVersion, before.version);
  const target = await getVersion(tx, id, input.version).catch((err: unknown) => {
    if (err instanceof NotFound)
      throw ValidationError.of('version', `rule ${id} has no version ${String(input.version)}`);
    throw err;
  });
  if (target.version === before.version)
    throw ValidationError.of('version', `version ${String(target.version)} is the current version`);
  const d = target.rule_definition;
  const shadowOf = d.mode === 'shadow' ? target.shadow_of : null;
  if (shadowOf !== null) {
    const { rowCount } = await tx.query(
      "select 1 from rules where id = $1 and deleted_at is null and mode = 'enforce'",
      [shadowOf],
    );
    if (rowCount !== 1)
      throw ValidationError.of(
        'version',
        `version ${String(target.version)} shadows ${shadowOf}, which is no longer live`,
      );
  }
  const reason = input.reason ?? `rolled back to version ${String(target.version)}`;
  await noteChange(tx, actor, 'rolled_back', reason);
  await tx
    .query(
      `update rules set name = $2, description = $3, enabled = $4, mode = $5, action = $6, severity = $7,
         definition = $8::jsonb, shadow_of = $9, version = version + 1, updated_at = now()
       where id = $1`,
      [
        id,
        target.name,
        target.description,
        target.enabled,
        d.mode,
        d.action,
        d.severity,
        JSON.stringify(d.condition),
        shadowOf,
      ],
    )
    .catch((err: unknown) => {
      throw nameTaken(err, target.name) ?? err;
    });
  const after = await findRule(tx, id);
  await audit(tx, actor, {
    action: 'rule.rolled_back',
    id,
    before,
    after,
    reason: `${reason} (from version ${String(target.version)})`,
  });
  return after;
}

/**
 * Promotes a shadow rule to enforce, in one transaction and one audited action. A rule that
 * shadows a live rule replaces that rule's definition (action, severity, condition), which gets a
 * new version; the challenger is then retired (soft-deleted). A rule that shadows nothing
 * switches itself to enforce. Returns the rule that is now live.
 */
export async function promoteRule(
  tx: pg.ClientBase,
  id: string,
  input: { reason?: string | undefined; expectedVersion: number | undefined },
  actor: Actor,
): Promise<Rule> {
  const shadow = await findRule(tx, id, { lock: true });
  assertManagedHere(shadow);
  checkVersion(input.expectedVersion, shadow.version);
  if (shadow.rule_definition.mode !== 'shadow') {
    throw new Conflict(`Rule ${shadow.name} is already enforcing.`, {
      code: 'invalid_transition',
      title: 'Invalid state transition',
    });
  }
  const d = shadow.rule_definition;
  const reason = input.reason;
  if (shadow.shadow_of === null) {
    await noteChange(tx, actor, 'promoted', reason ?? 'promoted from shadow to enforce');
    await tx.query(
      "update rules set mode = 'enforce', shadow_of = null, version = version + 1, updated_at = now() where id = $1",
      [id],
    );
    const after = await findRule(tx, id);
    await audit(tx, actor, { action: 'rule.promoted', id, before: shadow, after, reason });
    return after;
  }
  const liveId = shadow.shadow_of;
  const live = await findRule(tx, liveId, { lock: true }).catch((err: unknown) => {
    if (err instanceof NotFound)
      throw new Conflict(`The live rule ${liveId} this rule shadows no longer exists.`, {
        code: 'shadow_target_gone',
      });
    throw err;
  });
  assertManagedHere(live);
  await noteChange(
    tx,
    actor,
    'promoted',
    reason ?? `promoted shadow rule ${shadow.name} (${id} v${String(shadow.version)})`,
  );
  await tx.query(
    `update rules set mode = 'enforce', action = $2, severity = $3, definition = $4::jsonb,
       version = version + 1, updated_at = now() where id = $1`,
    [liveId, d.action, d.severity, JSON.stringify(d.condition)],
  );
  await noteChange(tx, actor, 'promoted', `promoted into ${live.name} (${liveId})`);
  await tx.query(
    'update rules set deleted_at = now(), enabled = false, version = version + 1, updated_at = now() where id = $1',
    [id],
  );
  const after = await findRule(tx, liveId);
  await audit(tx, actor, {
    action: 'rule.promoted',
    id: liveId,
    before: live,
    after,
    reason: reason ?? `from shadow rule ${id}`,
  });
  await audit(tx, actor, { action: 'rule.promoted', id, before: shadow, reason: `into ${liveId}` });
  return after;
}

// ---------------------------------------------------------------------------------------------
// Shadow compare

export interface ShadowBucket {
  start: string;
  shadow: number;
  live: number;
  both: number;
}

export interface ShadowHit {
  payment_id: string;
  matched_at: string;
  reasons: unknown[];
}

export interface ShadowCompare {
  rule_id: string;
  /** What the shadow rule is compared with: the rule it shadows, or every live rule. */
  compared_with: 'rule' | 'live_rules';
  live_rule: { id: string; name: string; version: number } | null;
  since: string;
  /**
   * The rule version `since` is the start of: when this rule (or the live rule it shadows) began
   * to evaluate as it does now. Null when the window's length sets `since`.
   */
  since_version: SinceVersion | null;
  until: string;
  bucket: 'hour' | 'day';
  buckets: ShadowBucket[];
  totals: { shadow: number; live: number; both: number; only_shadow: number; only_live: number };
  /** Latest payments only the shadow rule hit, with what it saw. */
  only_shadow: ShadowHit[];
  /** Latest payments only the live side hit. */
  only_live: ShadowHit[];
}

async function liveOf(pool: pg.Pool, rule: Rule): Promise<Rule | null> {
  if (rule.shadow_of === null) return null;
  return findRule(pool, rule.shadow_of).catch((err: unknown) => {
    if (err instanceof NotFound) return null;
    throw err;
  });
}

/** The version from which a rule has evaluated as it does now (its mode and condition unchanged). */
export interface SinceVersion {
  rule_id: string;
  version: number;
}

interface ShadowWindow {
  since: Date;
  until: Date;
  /** The version whose start is `since`; null when the window's length is. */
  sinceVersion: SinceVersion | null;
  /**
   * Each rule's first version of its current run: a hit stored with an older version, made while
   * the worker's rule cache still held it after the edit, is not counted.
   */
  fromVersion: ReadonlyMap<string, number>;
}

/**
 * The comparison's period: the last `hours`, but no earlier than the first of each rule's current
 * run of versions with its present mode and condition. Hits from before an edit of either
 * condition (or before the shadow rule entered shadow mode) were made by another rule than the
 * one compared; other edits (description, severity, …) keep the run going.
 */
async function shadowWindow(pool: pg.Pool, ids: readonly string[], hours: number): Promise<ShadowWindow> {
  const { rows } = await pool.query<{ rule_id: string | null; version: number | null; at: Date; now: Date }>(
    `with cur as (
       select distinct on (v.rule_id) v.rule_id, v.mode, v.definition as c
         from rule_versions v where v.rule_id = any($1::text[]) order by v.rule_id, v.version desc
     ), run as (
       select cur.rule_id,
              coalesce((select max(o.version) from rule_versions o
                         where o.rule_id = cur.rule_id
                           and (o.mode <> cur.mode or o.definition <> cur.c)), 0) as after
         from cur
     ), starts as (
       select f.rule_id, f.version, f.created_at as at
         from run cross join lateral (
           select x.rule_id, x.version, x.created_at from rule_versions x
            where x.rule_id = run.rule_id and x.version > run.after order by x.version limit 1) f
       union all
       select null, null, now() - make_interval(hours => $2)
     )
     select rule_id, version, at, now() as now from starts order by at desc, version is null`,
    [ids, hours],
  );
  // The window's own start is always among the candidates: there is always a row.
  const r = rows[0];
  if (!r) throw new Error('shadow window returned no row');
  const sinceVersion =
    r.rule_id !== null && r.version !== null ? { rule_id: r.rule_id, version: r.version } : null;
  const fromVersion = new Map<string, number>();
  for (const s of rows) if (s.rule_id !== null && s.version !== null) fromVersion.set(s.rule_id, s.version);
  return { since: r.at, until: r.now, sinceVersion, fromVersion };
}

async function liveIdsOf(pool: pg.Pool, id: string, live: Rule | null): Promise<string[]> {
  if (live !== null) return [live.id];
  const { rows } = await pool.query<{ id: string }>(
    "select id from rules where deleted_at is null and enabled and mode = 'enforce' and id <> $1",
    [id],
  );
  return rows.map((r) => r.id);
}

/**
 * The first version counted of the shadow rule and of its live side; the enforce rules beside a
 * rule with no live version count from any version (0).
 */
function fromVersions(window: ShadowWindow, id: string, live: Rule | null): [number, number] {
  return [window.fromVersion.get(id) ?? 0, live ? (window.fromVersion.get(live.id) ?? 0) : 0];
}

const iso = (h: ShadowHit): ShadowHit => ({ ...h, matched_at: new Date(h.matched_at).toISOString() });

/**
 * Hits of a shadow rule beside the live side over the same traffic: the same period (the last
 * `hours`, from when both began to evaluate as they do now at the earliest: shadowWindow) and
 * the same payments, counted once per payment, bucketed by hour (up to two days) or day.
 */
export async function shadowCompare(pool: pg.Pool, id: string, hours: number): Promise<ShadowCompare> {
  const rule = await findRule(pool, id);
  const live = await liveOf(pool, rule);
  const bucket = hours <= 48 ? 'hour' : 'day';
  const liveIds = await liveIdsOf(pool, id, live);
  const window = await shadowWindow(pool, live ? [id, live.id] : [id], hours);
  const { rows } = await pool.query<{
    buckets: { start: string; shadow: number; live: number; both: number }[];
    totals: ShadowCompare['totals'];
    only_shadow: ShadowHit[] | null;
    only_live: ShadowHit[] | null;
  }>(
    `with s as (
       select payment_id, min(matched_at) as t, (array_agg(reasons order by matched_at))[1] as reasons
         from rule_hits where rule_id = $1 and matched_at >= $3 and matched_at <= $4
          and (rule_version is null or rule_version >= $6)
        group by payment_id
     ), l as (
       select payment_id, min(matched_at) as t, (array_agg(reasons order by matched_at))[1] as reasons
         from rule_hits where rule_id = any($2::text[]) and matched_at >= $3 and matched_at <= $4
          and (rule_version is null or rule_version >= $7)
        group by payment_id
     ), j as (
       select coalesce(s.payment_id, l.payment_id) as payment_id, least(s.t, l.t) as t,
              s.payment_id is not null as in_s, l.payment_id is not null as in_l, s.reasons as s_reasons, l.reasons as l_reasons,
              s.t as s_t, l.t as l_t
         from s full join l on l.payment_id = s.payment_id
     ), g as (
       select b from generate_series(date_trunc($5, $3::timestamptz), $4::timestamptz, ('1 ' || $5)::interval) b
     )
     select
       (select json_agg(json_build_object('start', g.b, 'shadow', coalesce(x.shadow, 0), 'live', coalesce(x.live, 0),
                                          'both', coalesce(x.both, 0)) order by g.b)
          from g left join (select date_trunc($5, t) as b, count(*) filter (where in_s) as shadow,
                                   count(*) filter (where in_l) as live, count(*) filter (where in_s and in_l) as both
                              from j group by 1) x on x.b = g.b) as buckets,
       (select json_build_object('shadow', count(*) filter (where in_s), 'live', count(*) filter (where in_l),
                                 'both', count(*) filter (where in_s and in_l),
                                 'only_shadow', count(*) filter (where in_s and not in_l),
                                 'only_live', count(*) filter (where in_l and not in_s)) from j) as totals,
       (select json_agg(json_build_object('payment_id', payment_id, 'matched_at', s_t, 'reasons', s_reasons))
          from (select * from j where in_s and not in_l order by s_t desc limit 10) a) as only_shadow,
       (select json_agg(json_build_object('payment_id', payment_id, 'matched_at', l_t, 'reasons', l_reasons))
          from (select * from j where in_l and not in_s order by l_t desc limit 10) a) as only_live`,
    [id, liveIds, window.since, window.until, bucket, ...fromVersions(window, id, live)],
  );
  const r = rows[0];
  if (!r) throw new Error('shadow comparison returned no row');
  return {
    rule_id: id,
    compared_with: live !== null ? 'rule' : 'live_rules',
    live_rule: live && { id: live.id, name: live.name, version: live.version },
    since: window.since.toISOString(),
    since_version: window.sinceVersion,
    until: window.until.toISOString(),
    bucket,
    buckets: r.buckets.map((b) => ({ ...b, start: new Date(b.start).toISOString() })),
    totals: r.totals,
    only_shadow: (r.only_shadow ?? []).map(iso),
    only_live: (r.only_live ?? []).map(iso),
  };
}
