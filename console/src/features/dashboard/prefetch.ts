// The dashboard's first queries, started by a full page load as soon as the session is resumed
// (app/routes.tsx preloadRoute), while the page's chunk is still loading. Small on purpose: it is
// part of the entry chunk.
import type { QueryClient } from '@tanstack/react-query';
import { onboardingQuery } from '../../lib/onboarding';
import { alertStatsQuery, healthReportQuery, overviewQuery, queueStatsQuery } from './data';
import { parseWindow } from './shape';

export function prefetchDashboard(client: QueryClient, search: URLSearchParams): void {
  // An error is not swallowed: the page's own query shows it (and retries) when it mounts.
  const quiet = () => undefined;
  client.query(overviewQuery(parseWindow(search.get('window')))).catch(quiet);
  client.query(alertStatsQuery).catch(quiet);
  client.query(queueStatsQuery).catch(quiet);
  client.query(healthReportQuery).catch(quiet);
  // The checklist above the cards: the page waits for it rather than being pushed down by it.
  client.query(onboardingQuery).catch(quiet);
}
