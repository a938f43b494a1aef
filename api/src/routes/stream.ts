import type { ApiDeps } from '../deps.ts';
import type { AnyRoute } from '../http/route.ts';

export function streamRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
