import { describe, expect, it } from 'vitest';
import { stabilize } from './api';
import { payment } from './testing';

const page = (ids: string[], next: string | null, state = 'settled') => ({
  data: ids.map((id) => payment({ id, current_state: state })),
  pagination: { limit: 2, offset: 0, total: 10, total_exact: true, next_cursor: next },
});

describe('live refetch of a page', () => {
  it('when the first page sorted newest first refetches, then new payments simply appear', () => {
    expect(stabilize(page(['b', 'a'], 'c1'), page(['c', 'b'], 'c2'), true).data.map((p) => p.id)).toEqual([
      'c',
      'b',
    ]);
  });

  it('when a deeper page refetches, then its rows stay put, refreshed in place, with their cursor', () => {
    const out = stabilize(page(['b', 'a'], 'c1'), page(['x', 'b'], 'c9', 'refunded'), false);
    expect(out.data.map((p) => p.id)).toEqual(['b', 'a']);
    expect(out.data[0]?.current_state).toBe('refunded');
    expect(out.data[1]?.current_state).toBe('settled');
    expect(out.pagination.next_cursor).toBe('c1');
    expect(out.pagination.total).toBe(10);
  });
});
