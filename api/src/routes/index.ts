import type { ApiDeps } from '../deps.ts';
import type { AnyRoute } from '../http/route.ts';
import { alertsRoutes } from './alerts.ts';
import { assistantRoutes } from './assistant.ts';
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import { batchJobsRoutes } from './batch-jobs.ts';
import { eventsRoutes } from './events.ts';
import { notificationsRoutes } from './notifications.ts';
import { onboardingRoutes } from './onboarding.ts';
import { invitationsRoutes } from './invitations.ts';
import { rulesRoutes } from './rules.ts';
import { searchRoutes } from './search.ts';
import { settingsRoutes } from './settings.ts';
import { statsRoutes } from './stats.ts';
import { streamRoutes } from './stream.ts';
import { systemRoutes } from './system.ts';
import { transactionsRoutes } from './transactions.ts';
import { usersRoutes } from './users.ts';
import { workerPoolsRoutes } from './worker-pools.ts';

/** The whole /api/v1 route table: one file per resource. */
export function apiRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    ...authRoutes(deps),
    ...transactionsRoutes(deps),
    ...eventsRoutes(deps),
    ...alertsRoutes(deps),
    ...rulesRoutes(deps),
    ...searchRoutes(deps),
    ...auditRoutes(deps),
    ...batchJobsRoutes(deps),
    ...workerPoolsRoutes(deps),
    ...usersRoutes(deps),
    ...onboardingRoutes(deps),
    ...invitationsRoutes(deps),
    ...settingsRoutes(deps),
    ...systemRoutes(deps),
    ...statsRoutes(deps),
    ...streamRoutes(deps),
    ...notificationsRoutes(deps),
    ...assistantRoutes(deps),
  ];
}
