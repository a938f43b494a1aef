// The pool chart as a lazy chunk: the card shows its numbers first, the chart library after.
import { lazy } from 'react';

export const PoolChart = lazy(() => import('./PoolChart').then((m) => ({ default: m.PoolChart })));
