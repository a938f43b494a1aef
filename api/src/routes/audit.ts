// /api/v1/audit: the hash-chained audit log (list, verify).
import { z } from 'zod';
import { merchantScopeOf } from '../http/principal.ts';
import type { ApiDeps } from '../deps.ts';
import { ValidationError } from '../domain/errors.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { Gauge, type Registry } from 'prom-client';
import { metricName } from '../observability/metrics.ts';
import {
  recordVerification,
  verificationStatus,
  type VerificationStatus,
} from '../ops/audit-verifications.ts';
import { listAudit, verifyAudit, type AuditFilter } from '../payments/audit.ts';
import { intParam, textParam, timeParam } from './query-params.ts';

const listQuery = z.strictObject({
  limit: intParam(1, 200).default(50),
  offset: intParam(0, 10_000).default(0),
  resource_type: textParam(64).optional(),
  resource_id: textParam().optional(),
  actor_id: textParam().optional(),
  action: textParam().optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
});

const verifyStatusSchema = z
  .object({
    last: z
      .object({
        verified_at: z.string(),
        valid: z.boolean(),
        rows_checked: z.number().int(),
        chains: z.number().int(),
        bad_chain: z.number().int().nullable(),
        first_bad_id: z
          .string()
          .nullable()
          .describe('The first row of the broken chain that does not verify.'),
        problem: z.string().nullable(),
        verified_by: z.string().nullable(),
      })
      .nullable(),
    last_passed_at: z.string().nullable(),
  })
  .meta({ id: 'AuditVerificationStatus' });

function toFilter(q: z.output<typeof listQuery>): AuditFilter {
  if (q.from && q.to && q.from > q.to) throw ValidationError.of('from', 'must not be after to');
  return {
    ...(q.resource_type === undefined ? {} : { resourceType: q.resource_type }),
    ...(q.resource_id === undefined ? {} : { resourceId: q.resource_id }),
    ...(q.actor_id === undefined ? {} : { actorId: q.actor_id }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(q.from === undefined ? {} : { from: q.from }),
    ...(q.to === undefined ? {} : { to: q.to }),
  };
}

/**
 * The latest verification run (remembered in PostgreSQL, so every api instance reports the same
 * one), for alerting: `payflow_audit_chain_valid` (1 intact, 0 broken) and
 * `payflow_audit_verify_timestamp_seconds` (0 until a first run). Read when scraped; a failed
 * read keeps the previous values. Registered once per registry (route tables may be built twice).
 */
function registerVerificationGauges(registry: Registry, pool: ApiDeps['pool']): void {
  const validName = metricName('audit_chain_valid');
  if (registry.getSingleMetric(validName)) return;
  // One read serves both gauges of a scrape.
  let read: { at: number; status: Promise<VerificationStatus> } | undefined;
  const latest = async (): Promise<VerificationStatus> => {
    if (!read || Date.now() - read.at > 1000) read = { at: Date.now(), status: verificationStatus(pool) };
    return read.status;
  };
  const gauge = (name: string, help: string, value: (s: VerificationStatus) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(value(await latest()));
        } catch {
          // The database is unreachable: /metrics still answers, with the last value read.
        }
      },
    });
  };
  gauge(
    validName,
    'Whether the latest audit verification found every chain intact (1) or a broken one (0).',
    (s) => (s.last?.valid === false ? 0 : 1),
  );
  gauge(
    metricName('audit_verify_timestamp_seconds'),
    'Unix time of the latest audit verification run; 0 when the chains were never verified.',
    (s) => (s.last ? Date.parse(s.last.verified_at) / 1000 : 0),
  );
}

export function auditRoutes(deps: ApiDeps): AnyRoute[] {
  registerVerificationGauges(deps.registry, deps.pool);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit',
      access: 'viewer',
      scope: 'query',
      summary: 'List audit rows, newest first',
      tags: ['audit'],
      query: listQuery,
      responses: {
        200: { description: 'One page of audit rows' },
        400: { description: 'Bad filter', schema: problemSchema },
      },
      handler: async ({ query, principal }) => {
        const scope = merchantScopeOf(principal);
        const filter = { ...toFilter(query), ...(scope === undefined ? {} : { merchantScope: scope }) };
        const page = await listAudit(deps.pool, filter, {
          limit: query.limit,
          offset: query.offset,
        });
        return {
          status: 200,
          body: {
            data: page.items,
            pagination: {
              limit: query.limit,
              offset: query.offset,
              total: page.total,
              total_exact: page.totalExact,
            },
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/verify',
      access: 'admin',
      scope: 'none',
      summary: 'Verify every audit chain (hashes and links)',
      tags: ['audit'],
      responses: {
        200: { description: '{ valid, chains }; the run is remembered for /audit/verify/status' },
      },
      handler: async ({ principal }) => {
        const report = await verifyAudit(deps.pool);
        await recordVerification(deps.pool, report, principal?.id ?? null);
        return { status: 200, body: report };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/verify/status',
      access: 'viewer',
      scope: 'none',
      summary: 'The latest chain verification and when the chains last held',
      tags: ['audit'],
      responses: {
        200: {
          description: 'The latest run and the time of the last passing run',
          schema: verifyStatusSchema,
        },
      },
      handler: async () => ({ status: 200, body: await verificationStatus(deps.pool) }),
    }),
  ];
}
