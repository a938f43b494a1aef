import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { summarizeBulk } from './bulk';
import { BulkResults } from './BulkResults';
import type { BulkResult } from './types';

const mixed: BulkResult[] = [
  { id: 'alt_1', status: 'acknowledged' },
  { id: 'alt_2', status: 'acknowledged' },
  { id: 'alt_3', status: 'already_acknowledged' },
  { id: 'alt_4', status: 'conflict', detail: 'Alert alt_4 is resolved; it cannot be acknowledged.' },
  { id: 'alt_5', status: 'not_found' },
];

describe('bulk acknowledge results', () => {
  it('when some alerts could not be acknowledged, then the summary counts each outcome and is a warning', () => {
    const s = summarizeBulk(mixed);
    expect(s.variant).toBe('warning');
    expect(s.title).toBe(
      '5 alerts: 2 acknowledged, 1 was already acknowledged, 1 could not be acknowledged, 1 was not found',
    );
    expect(s.problems.map((r) => r.id)).toEqual(['alt_3', 'alt_4', 'alt_5']);
  });

  it('when every alert was acknowledged, then it is a success; when none could be, a failure', () => {
    expect(summarizeBulk([{ id: 'a', status: 'acknowledged' }])).toMatchObject({
      variant: 'success',
      title: '1 alert: 1 acknowledged',
      problems: [],
    });
    expect(summarizeBulk([{ id: 'a', status: 'not_found' }]).variant).toBe('danger');
  });

  it('when the results are shown, then each alert that needs a look is listed with why, linked when it exists', () => {
    render(
      <MemoryRouter>
        <BulkResults
          results={mixed}
          titleOf={(id) => (id === 'alt_3' ? 'Big payment' : undefined)}
          onClose={vi.fn()}
        />
      </MemoryRouter>,
    );
    const list = screen.getByRole('list', { name: 'Alerts not acknowledged by this action' });
    const rows = within(list)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(rows).toEqual([
      'Already acknowledged: Big payment',
      'Not acknowledged: alt_4 — Alert alt_4 is resolved; it cannot be acknowledged.',
      'Not found: alt_5',
    ]);
    expect(within(list).getByRole('link', { name: 'Big payment' }).getAttribute('href')).toBe(
      '/alerts/alt_3',
    );
    expect(within(list).queryByRole('link', { name: 'alt_5' })).toBeNull();
  });
});
