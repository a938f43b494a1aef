import type { ApiDeps } from '../deps.ts';
import type { AnyRoute } from '../http/route.ts';

export function alertsRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
