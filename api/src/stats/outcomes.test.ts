import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAYMENT_STATES, PAYMENT_TRANSITIONS } from '../domain/states.ts';
import { FAILED_STATES, IN_FLIGHT_STATES, STATE_OUTCOME, SUCCEEDED_STATES, successRate } from './outcomes.ts';

const MIGRATION = join(import.meta.dirname, '..', 'store', 'migrations', '0010_payment_stats.sql');

describe('payment outcomes for the dashboard', () => {
  it('when every state is classified, then each is succeeded, failed or open, and only pending and authorized are open', () => {
    expect(Object.keys(STATE_OUTCOME).sort()).toEqual([...PAYMENT_STATES].sort());
    const open = PAYMENT_STATES.filter((s) => STATE_OUTCOME[s] === 'open');
    expect(open).toEqual(['pending', 'authorized']);
    expect([...SUCCEEDED_STATES, ...FAILED_STATES, ...open].sort()).toEqual([...PAYMENT_STATES].sort());
    expect(FAILED_STATES).toEqual(['failed', 'voided']);
  });

  it('when the state table is walked, then no transition leads back into the in-flight states from a final one', () => {
    for (const from of PAYMENT_STATES.filter((s) => !IN_FLIGHT_STATES.includes(s))) {
      for (const to of PAYMENT_TRANSITIONS[from])
        expect(IN_FLIGHT_STATES, `${from} → ${to}`).not.toContain(to);
    }
  });

  it('when a state is succeeded or failed, then every state it can reach has the same outcome', () => {
    for (const from of PAYMENT_STATES.filter((s) => STATE_OUTCOME[s] !== 'open')) {
      for (const to of PAYMENT_TRANSITIONS[from])
        expect(STATE_OUTCOME[to], `${from} → ${to}`).toBe(STATE_OUTCOME[from]);
    }
  });

  it('when the migration names the in-flight states, then it names exactly these, everywhere', () => {
    const sql = readFileSync(MIGRATION, 'utf8');
    const lists = [...sql.matchAll(/in \(('[a-z_]+'(?:, '[a-z_]+')*)\)/g)].map((m) => m[1]);
    expect(lists.length).toBeGreaterThanOrEqual(6);
    const expected = IN_FLIGHT_STATES.map((s) => `'${s}'`).join(', ');
    for (const list of lists.filter((l) => l?.includes("'pending'"))) expect(list).toBe(expected);
  });

  it('when nothing is decided, then the success rate is null, else succeeded over decided', () => {
    expect(successRate(0, 0)).toBeNull();
    expect(successRate(3, 1)).toBe(0.75);
    expect(successRate(0, 2)).toBe(0);
  });
});
