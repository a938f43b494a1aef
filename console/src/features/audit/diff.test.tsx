import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderPage, stubApi } from '../../testing';
import { AuditDiff } from './AuditDiff';
import { changeSummary, diffFields } from './diff';
import { verifyText, VerifyStatusBanner } from './VerifyChain';

afterEach(() => {
  vi.unstubAllGlobals();
});

const before = {
  id: 'pay_1',
  current_state: 'authorized',
  version: 2,
  metadata: { a: 1, b: 2 },
  held: false,
};
const after = { id: 'pay_1', current_state: 'captured', version: 3, metadata: { b: 2, a: 1 }, note: 'x' };

describe('audit diff', () => {
  it('when fields change, are added or removed, then each is listed once by name', () => {
    expect(diffFields(before, after)).toEqual([
      { field: 'current_state', kind: 'changed', before: 'authorized', after: 'captured' },
      { field: 'held', kind: 'removed', before: 'false' },
      { field: 'note', kind: 'added', after: 'x' },
      { field: 'version', kind: 'changed', before: '2', after: '3' },
    ]);
  });

  it('when a nested field changes, then only that leaf is listed, by its dotted path', () => {
    expect(
      diffFields(
        { definition: { all: [1], window: { seconds: 600, key: 'payer' } }, name: 'v' },
        { definition: { all: [1], window: { seconds: 300, key: 'payer' } }, name: 'v' },
      ),
    ).toEqual([{ field: 'definition.window.seconds', kind: 'changed', before: '600', after: '300' }]);
  });

  it('when only the key order of a nested value differs, then it is not a change', () => {
    expect(diffFields({ m: { a: 1, b: 2 } }, { m: { b: 2, a: 1 } })).toEqual([]);
  });

  it('when there is no before or no after, then the row reads created or deleted', () => {
    expect(changeSummary(null, after)).toBe('Created');
    expect(changeSummary(before, null)).toBe('Deleted');
    expect(changeSummary(before, after)).toBe('4 fields changed');
    expect(changeSummary({ a: 1 }, { a: 2 })).toBe('1 field changed');
  });

  it('when a change is expanded, then a table shows each field before and after', () => {
    render(<AuditDiff before={before} after={after} />);
    const table = screen.getByRole('grid', { name: 'Changed fields' });
    const row = within(table).getByText('current_state').closest('tr');
    expect(row?.textContent).toContain('authorized');
    expect(row?.textContent).toContain('captured');
    expect(screen.getByRole('button', { name: 'Show full before and after' })).toBeTruthy();
  });
});

describe('verify result', () => {
  it('when every chain holds, then it says how much was checked', () => {
    const t = verifyText({
      valid: true,
      chains: [
        { chain: 0, rows_checked: '10', valid: true, first_bad_id: null, problem: null },
        { chain: 1, rows_checked: '5', valid: true, first_bad_id: null, problem: null },
      ],
    });
    expect(t.title).toBe('Audit chain is intact');
    expect(t.body).toBe('15 rows in 2 chains checked; every hash and link matches.');
  });

  it('when a chain is broken, then it names the chain, the first bad row and the problem', () => {
    const t = verifyText({
      valid: false,
      chains: [
        { chain: 0, rows_checked: '10', valid: true, first_bad_id: null, problem: null },
        { chain: 3, rows_checked: '4', valid: false, first_bad_id: 'aud_9', problem: 'hash mismatch' },
      ],
    });
    expect(t.title).toBe('Audit chain 3 is broken at aud_9');
    expect(t.body).toBe('hash mismatch. 14 rows in 2 chains checked.');
  });
});

describe('verify status banner', () => {
  it('when the last run found a break, then a red alert names the chain, the first bad row and the last pass', async () => {
    stubApi({
      'GET /api/v1/audit/verify/status': () =>
        json({
          last: {
            verified_at: '2026-01-02T00:00:00Z',
            valid: false,
            rows_checked: 120,
            chains: 8,
            bad_chain: 3,
            first_bad_id: 'aud_BAD',
            problem: 'content changed',
            verified_by: 'usr_1',
          },
          last_passed_at: '2026-01-01T00:00:00Z',
        }),
    });
    renderPage(<VerifyStatusBanner />);
    expect(await screen.findByText('Audit chain 3 is broken at aud_BAD')).toBeTruthy();
    expect(screen.getByText(/content changed/)).toBeTruthy();
    expect(screen.getByText(/The chains last held/)).toBeTruthy();
  });
});
