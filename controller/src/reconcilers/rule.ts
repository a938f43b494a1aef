// Rule: validate the expression, upsert it into the rules table (the store the workers read),
// keyed by the resource's UID and generation, and report sync state and hits in status. The
// finalizer soft-deletes the row before the resource goes away.
import type { Condition, Rule, RuleStatus } from '@payflow/api/crd';
import { ruleSpecSchema } from '@payflow/api/crd';
import { newId, validateExpr, type FieldIssue } from '@payflow/api/domain';
import { appendAudit, withTransaction } from '@payflow/api/store';
import type pg from 'pg';
import type { Logger } from 'pino';
import { setCondition, transitions, type ConditionInput } from '../runtime/conditions.ts';
import type { Reconciler, Request, Result } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { GVR, type KubeClient, type KubeObject } from '../runtime/kube-client.ts';
import { ensureFinalizer, hasFinalizer, patchStatus, removeFinalizer } from '../runtime/objects.ts';

export const RULE_FINALIZER = 'payflow.dev/rule-store';

export type RuleObject = KubeObject & Pick<Rule, 'spec' | 'status'>;

export interface RuleReconcilerDeps {
  client: KubeClient;
  pool: pg.Pool;
  events: EventRecorder;
  log: Logger;
  /** How often hit counts are refreshed (default one minute). */
  hitsRefreshMs?: number;
}

interface StoredRule {
  id: string;
  written: boolean;
}

/** The store refuses the rule (its name is taken by a rule from another source). */
class StoreConflict extends Error {}

const AUDIT_ACTOR = { actorType: 'controller', actorId: 'payflow-controller' } as const;

function storeName(rule: RuleObject): string {
  return `${rule.metadata.namespace ?? 'default'}/${rule.metadata.name}`;
}

function rowOf(rule: RuleObject, spec: Rule['spec']) {
  return {
    name: storeName(rule),
    description: spec.description ?? spec.displayName ?? '',
    enabled: spec.enabled,
    mode: spec.mode,
    action: spec.action,
    severity: spec.severity,
    // The expression tree alone, as the rules API stores it; action, severity and mode have columns.
    definition: spec.definition,
    generation: rule.metadata.generation ?? 0,
  };
}

interface ExistingRow {
  id: string;
  generation: bigint | null;
  deleted_at: Date | null;
}

async function insertRule(
  client: pg.PoolClient,
  uid: string,
  row: ReturnType<typeof rowOf>,
): Promise<string> {
  const id = newId('rul');
  await client.query(
    `insert into rules (id, name, description, enabled, mode, action, severity, definition, source,
                        external_uid, generation, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'kubernetes', $9, $10, 'payflow-controller')`,
    [
      id,
      row.name,
      row.description,
      row.enabled,
      row.mode,
      row.action,
      row.severity,
      JSON.stringify(row.definition),
      uid,
      row.generation,
    ],
  );
  await appendAudit(client, {
    ...AUDIT_ACTOR,
    action: 'rule.created',
    resourceType: 'rule',
    resourceId: id,
    after: row,
  });
  return id;
}

async function updateRule(
  client: pg.PoolClient,
  existing: ExistingRow,
  row: ReturnType<typeof rowOf>,
): Promise<void> {
  const before = await client.query('select * from rules where id = $1', [existing.id]);
  await client.query(
    `update rules set name = $2, description = $3, enabled = $4, mode = $5, action = $6, severity = $7,
            definition = $8::jsonb, generation = $9, version = version + 1, updated_at = now(), deleted_at = null
      where id = $1`,
    [
      existing.id,
      row.name,
      row.description,
      row.enabled,
      row.mode,
      row.action,
      row.severity,
      JSON.stringify(row.definition),
      row.generation,
    ],
  );
  await appendAudit(client, {
    ...AUDIT_ACTOR,
    action: 'rule.updated',
    resourceType: 'rule',
    resourceId: existing.id,
    before: before.rows[0],
    after: row,
  });
}

/** Inserts or updates the row for this UID; a row already at this generation is left alone. */
export async function upsertRule(pool: pg.Pool, rule: RuleObject, spec: Rule['spec']): Promise<StoredRule> {
  const uid = rule.metadata.uid ?? '';
  const row = rowOf(rule, spec);
  try {
    return await withTransaction(pool, async (client) => {
      const found = await client.query<ExistingRow>(
        'select id, generation, deleted_at from rules where external_uid = $1 for update',
        [uid],
      );
      const existing = found.rows[0];
      if (!existing) return { id: await insertRule(client, uid, row), written: true };
      if (existing.generation === BigInt(row.generation) && existing.deleted_at === null)
        return { id: existing.id, written: false };
      await updateRule(client, existing, row);
      return { id: existing.id, written: true };
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw new StoreConflict(
        `a rule named ${row.name} already exists in the store (created outside Kubernetes)`,
      );
    throw err;
  }
}

/** Soft-deletes the row of this UID (hits and alerts keep pointing at it). */
export async function softDeleteRule(pool: pg.Pool, uid: string): Promise<string | undefined> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `update rules set deleted_at = now(), enabled = false, updated_at = now()
        where external_uid = $1 and deleted_at is null returning id`,
      [uid],
    );
    const id = rows[0]?.id;
    if (id !== undefined)
      await appendAudit(client, {
        ...AUDIT_ACTOR,
        action: 'rule.deleted',
        resourceType: 'rule',
        resourceId: id,
      });
    return id;
  });
}

export async function hitsLast24h(pool: pg.Pool, ruleId: string): Promise<number> {
  const { rows } = await pool.query<{ n: bigint }>(
    `select count(*)::bigint as n from rule_hits where rule_id = $1 and matched_at > now() - interval '24 hours'`,
    [ruleId],
  );
  return Number(rows[0]?.n ?? 0n);
}

/** `spec.definition.all[0].op: must be one of …; …` */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

function syncedConditions(spec: Rule['spec'], gen: number | undefined, id: string): ConditionInput[] {
  return [
    {
      type: 'Synced',
      status: 'True',
      reason: 'UpToDate',
      message: `generation ${String(gen)} is in the store as ${id}`,
    },
    {
      type: 'Ready',
      status: 'True',
      reason: spec.enabled ? 'Evaluated' : 'Disabled',
      message: spec.enabled ? `the workers evaluate the rule in ${spec.mode} mode` : 'the rule is disabled',
    },
  ];
}

export class RuleReconciler implements Reconciler {
  readonly name = 'rule';
  private readonly d: RuleReconcilerDeps;

  constructor(deps: RuleReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(req: Request): Promise<Result | undefined> {
    const rule = await this.d.client.find<RuleObject>(GVR.rule, req);
    if (!rule) return undefined;
    if (rule.metadata.deletionTimestamp !== undefined) {
      await this.finalize(rule);
      return undefined;
    }
    const current = await ensureFinalizer(this.d.client, GVR.rule, rule, RULE_FINALIZER);
    const spec = ruleSpecSchema.safeParse(current.spec);
    const definition = validateExpr(current.spec.definition, ['spec', 'definition']);
    if (!spec.success || !definition.ok) {
      const issues = definition.ok ? [] : definition.issues;
      const message = spec.success ? describeIssues(issues) : spec.error.message;
      await this.notSynced(current, 'InvalidDefinition', message);
      return undefined;
    }
    return this.sync(current, spec.data);
  }

  private async sync(rule: RuleObject, spec: Rule['spec']): Promise<Result> {
    let stored: StoredRule;
    try {
      stored = await upsertRule(this.d.pool, rule, spec);
    } catch (err) {
      if (!(err instanceof StoreConflict)) throw err;
      await this.notSynced(rule, 'NameConflict', err.message);
      return { requeueAfterMs: this.d.hitsRefreshMs ?? 60_000 };
    }
    const hits = await hitsLast24h(this.d.pool, stored.id);
    const gen = rule.metadata.generation;
    const old = rule.status;
    const conditions = this.conditions(old?.conditions, gen, syncedConditions(spec, gen, stored.id));
    const status: RuleStatus = {
      ...old,
      observedGeneration: gen,
      conditions,
      ruleId: stored.id,
      syncedGeneration: gen,
      hitsLast24h: hits,
      mode: spec.mode,
      lastSyncTime:
        stored.written || !old?.lastSyncTime
          ? new Date().toISOString().replace(/\.\d+Z$/, 'Z')
          : old.lastSyncTime,
    };
    await this.writeStatus(rule, status);
    return { requeueAfterMs: this.d.hitsRefreshMs ?? 60_000 };
  }

  private conditions(
    old: Condition[] | undefined,
    gen: number | undefined,
    inputs: ConditionInput[],
  ): Condition[] {
    return inputs.reduce<Condition[]>((list, c) => setCondition(list, c, gen), old ?? []);
  }

  private async notSynced(rule: RuleObject, reason: string, message: string): Promise<void> {
    const gen = rule.metadata.generation;
    const kept = rule.status?.ruleId
      ? ` (the store keeps generation ${String(rule.status.syncedGeneration)})`
      : '';
    const conditions = this.conditions(rule.status?.conditions, gen, [
      { type: 'Synced', status: 'False', reason, message: `${message}${kept}` },
      { type: 'Ready', status: 'False', reason, message },
    ]);
    await this.writeStatus(rule, { ...rule.status, observedGeneration: gen, conditions });
  }

  private async writeStatus(rule: RuleObject, status: RuleStatus): Promise<void> {
    const written = await patchStatus(this.d.client, GVR.rule, rule, status);
    if (!written) return;
    for (const c of transitions(rule.status?.conditions, status.conditions ?? [])) {
      if (c.type !== 'Ready') continue;
      this.d.events.record(rule, c.status === 'True' ? 'Normal' : 'Warning', c.reason, c.message);
    }
  }

  private async finalize(rule: RuleObject): Promise<void> {
    if (!hasFinalizer(rule, RULE_FINALIZER)) return;
    const id = await softDeleteRule(this.d.pool, rule.metadata.uid ?? '');
    if (id !== undefined)
      this.d.events.record(rule, 'Normal', 'Deleted', `rule ${id} removed from the store`);
    await removeFinalizer(this.d.client, GVR.rule, rule, RULE_FINALIZER);
  }
}
