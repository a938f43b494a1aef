// Every audit chain verification is remembered (audit_verifications), so the console can show
// when the chains last held and, when a run found a break, the chain and first bad row.
import type pg from 'pg';
import type { ChainReport } from '../payments/audit.ts';

export interface VerificationRun {
  verified_at: string;
  valid: boolean;
  rows_checked: number;
  chains: number;
  bad_chain: number | null;
  first_bad_id: string | null;
  problem: string | null;
  verified_by: string | null;
}

export interface VerificationStatus {
  /** The latest run, or null when the chains were never verified. */
  last: VerificationRun | null;
  /** When a run last found every chain intact. */
  last_passed_at: string | null;
}

type Queryable = Pick<pg.Pool, 'query'>;

export async function recordVerification(
  db: Queryable,
  report: { valid: boolean; chains: ChainReport[] },
  by: string | null,
): Promise<void> {
  const bad = report.chains.find((c) => !c.valid);
  const rows = report.chains.reduce((n, c) => n + BigInt(c.rows_checked), 0n);
  await db.query(
    `insert into audit_verifications (valid, rows_checked, chains, bad_chain, first_bad_id, problem, verified_by)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      report.valid,
      rows,
      report.chains.length,
      bad?.chain ?? null,
      bad?.first_bad_id ?? null,
      bad?.problem ?? null,
      by,
    ],
  );
}

interface RunRow {
  verified_at: Date;
  valid: boolean;
  rows_checked: bigint;
  chains: number;
  bad_chain: number | null;
  first_bad_id: string | null;
  problem: string | null;
  verified_by: string | null;
}

export async function verificationStatus(db: Queryable): Promise<VerificationStatus> {
  const [last, passed] = await Promise.all([
    db.query<RunRow>(
      `select verified_at, valid, rows_checked, chains, bad_chain, first_bad_id, problem, verified_by
         from audit_verifications order by verified_at desc, id desc limit 1`,
    ),
    db.query<{ verified_at: Date }>(
      'select verified_at from audit_verifications where valid order by verified_at desc limit 1',
    ),
  ]);
  const r = last.rows[0];
  return {
    last: r ? { ...r, verified_at: r.verified_at.toISOString(), rows_checked: Number(r.rows_checked) } : null,
    last_passed_at: passed.rows[0]?.verified_at.toISOString() ?? null,
  };
}
