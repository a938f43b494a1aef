import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { dayRows, HitsByDay } from './HitsByDay';

const cells = (row: HTMLElement): (string | null)[] =>
  within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);

describe('HitsByDay', () => {
  it('when only the draft ran, then each day it hit is a row with its count', () => {
    render(
      <HitsByDay
        days={[
          { day: '2026-11-02', hits: 3 },
          { day: '2026-11-03', hits: 1 },
        ]}
      />,
    );
    const table = screen.getByRole('table', { name: 'Hits per day' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(cells)).toEqual([
      ['2026-11-02', '3'],
      ['2026-11-03', '1'],
    ]);
  });

  it('when the saved version ran beside it, then every day either hit shows both counts, in order, 0 where one had none', () => {
    render(
      <HitsByDay
        days={[
          { day: '2026-11-03', hits: 2 },
          { day: '2026-11-05', hits: 4 },
        ]}
        saved={{
          version: 3,
          days: [
            { day: '2026-11-01', hits: 1 },
            { day: '2026-11-03', hits: 5 },
          ],
        }}
      />,
    );
    const table = screen.getByRole('table', { name: 'Hits per day, this draft and version 3' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((c) => c.textContent),
    ).toEqual(['Day (UTC)', 'This draft', 'Version 3']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(cells)).toEqual([
      ['2026-11-01', '0', '1'],
      ['2026-11-03', '2', '5'],
      ['2026-11-05', '4', '0'],
    ]);
  });

  it('when neither hit on any day, then it says so', () => {
    render(<HitsByDay days={[]} saved={{ version: 2, days: [] }} />);
    expect(screen.getByText('No hits on any day.')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('dayRows takes the saved version’s days the draft lacks, and the other way round', () => {
    expect(dayRows([{ day: '2026-11-02', hits: 1 }], [{ day: '2026-11-01', hits: 2 }])).toEqual([
      { day: '2026-11-01', draft: 0, saved: 2 },
      { day: '2026-11-02', draft: 1, saved: 0 },
    ]);
    expect(dayRows([{ day: '2026-11-02', hits: 1 }], undefined)).toEqual([
      { day: '2026-11-02', draft: 1, saved: 0 },
    ]);
  });
});
