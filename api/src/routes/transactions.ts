import type { ApiDeps } from '../deps.ts';
import type { AnyRoute } from '../http/route.ts';

export function transactionsRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
