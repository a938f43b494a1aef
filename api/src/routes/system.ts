import type { ApiDeps } from '../deps.ts';
import type { AnyRoute } from '../http/route.ts';

export function systemRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
