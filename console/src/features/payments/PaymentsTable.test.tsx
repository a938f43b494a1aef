// A new page of rows (shown a screenful first, then the rest): every row once, in order.
import { act, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COLUMNS } from './columns';
import { DEFAULT_SORT } from './filters';
import { PaymentsTable } from './PaymentsTable';
import { payment } from './testing';

const page = (prefix: string) =>
  Array.from({ length: 50 }, (_, i) => payment({ id: `pay_${prefix}_${String(i).padStart(2, '0')}` }));

function table(rows: ReturnType<typeof page>) {
  return (
    <MemoryRouter>
      <PaymentsTable
        columns={DEFAULT_COLUMNS}
        rows={rows}
        sort={DEFAULT_SORT}
        onSort={() => undefined}
        compact={false}
        isLoading={false}
        isFetching={false}
        error={undefined}
        problems={[]}
        filtered
        onRetry={() => undefined}
        onClear={() => undefined}
      />
    </MemoryRouter>
  );
}

const bodyIds = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map((r) => /pay_[a-z]+_\d+/.exec(r.textContent)?.[0]);

describe('PaymentsTable rows', () => {
  it('shows every row of the first page and of a new one, once and in order', async () => {
    const first = page('a');
    const { rerender } = render(table(first));
    expect(bodyIds()).toEqual(first.map((p) => p.id));
    const next = page('b');
    await act(async () => {
      rerender(table(next));
      await Promise.resolve();
    });
    expect(bodyIds()).toEqual(next.map((p) => p.id));
  });
});
