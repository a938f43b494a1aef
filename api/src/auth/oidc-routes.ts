import type { ApiDeps } from '../deps.ts';
import type { AnyRoute } from '../http/route.ts';

export function oidcRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
