// Onboarding: the first-steps checklist of a signed-in user and their place in the guided tour.
//
// Items depend on the role (a viewer is not asked to work an alert, only an admin creates rules
// and brings in teammates). An item is done when the user did the thing: the checklist reads
// their own audit rows (preferences saved, an alert acknowledged, a rule created, a teammate
// invited or given a role). Opening a payment or reading an alert leaves no audit row, so the
// console reports those (`markItem`); no other item can be ticked by hand.
import type pg from 'pg';
import { Conflict, Forbidden, ValidationError } from '../domain/errors.ts';
import type { Principal, Role } from '../http/principal.ts';

export const ONBOARDING_ITEMS = [
  'set_preferences',
  'find_payment',
  'review_alert',
  'work_alert',
  'backtest_rule',
  'create_rule',
  'invite_teammate',
] as const;
export type OnboardingItem = (typeof ONBOARDING_ITEMS)[number];

/** The checklist of each role, in the order it is shown. */
export const CHECKLIST: Readonly<Record<Role, readonly OnboardingItem[]>> = {
  viewer: ['set_preferences', 'find_payment', 'review_alert'],
  operator: ['set_preferences', 'find_payment', 'work_alert', 'backtest_rule'],
  admin: ['set_preferences', 'find_payment', 'work_alert', 'create_rule', 'invite_teammate'],
};

/** Items only the console sees being done. */
export const MARKABLE: ReadonlySet<OnboardingItem> = new Set(['find_payment', 'review_alert']);

/** The audit actions that tick an item. */
const BY_AUDIT: Partial<Record<OnboardingItem, readonly string[]>> = {
  set_preferences: ['user.preferences_updated'],
  work_alert: ['alert.acknowledged', 'alert.resolved', 'alert.assigned', 'alert.note_added'],
  backtest_rule: ['batch_job.created'],
  create_rule: ['rule.created'],
  invite_teammate: ['auth.invitation_created', 'user.updated'],
};

export const TOUR_STEPS = 23;
export const TOUR_STATUSES = ['not_started', 'running', 'done', 'skipped'] as const;
export type TourStatus = (typeof TOUR_STATUSES)[number];

export interface OnboardingState {
  role: Role;
  items: { id: OnboardingItem; done: boolean; done_at: string | null }[];
  completed: boolean;
  dismissed: boolean;
  tour: { status: TourStatus; step: number; steps: number };
}

export interface OnboardingPatch {
  dismissed?: boolean | undefined;
  tour?: { status: TourStatus; step: number } | undefined;
}

interface Row {
  marked: Record<string, string>;
  dismissed_at: Date | null;
  tour_status: TourStatus;
  tour_step: number;
}

function userOf(principal: Principal | undefined): Principal & { role: Role } {
  if (principal?.kind !== 'user')
    throw new Forbidden('Onboarding belongs to a signed-in user, not an API key.');
  const { role } = principal;
  if (role === 'none')
    throw new Forbidden('Your account has no role yet; an administrator has to grant one.');
  return { ...principal, role };
}

async function readRow(db: pg.ClientBase | pg.Pool, userId: string): Promise<Row> {
  const { rows } = await db.query<Row>(
    'select marked, dismissed_at, tour_status, tour_step from user_onboarding where user_id = $1',
    [userId],
  );
  return rows[0] ?? { marked: {}, dismissed_at: null, tour_status: 'not_started', tour_step: 0 };
}

/** When the user first did each audited thing of their checklist. */
async function auditedFirsts(
  db: pg.ClientBase | pg.Pool,
  userId: string,
  items: readonly OnboardingItem[],
): Promise<Map<string, Date>> {
  const actions = [...new Set(items.flatMap((i) => BY_AUDIT[i] ?? []))];
  if (actions.length === 0) return new Map();
  // A role change of oneself is no teammate brought in.
  const { rows } = await db.query<{ action: string; at: Date }>(
    `select action, min(occurred_at) as at from audit_log
      where actor_type = 'user' and actor_id = $1 and action = any($2::text[])
        and not (action = 'user.updated' and resource_id = $1)
      group by action`,
    [userId, actions],
  );
  return new Map(rows.map((r) => [r.action, r.at]));
}

function earliest(dates: (Date | undefined)[]): Date | undefined {
  return dates.filter((d): d is Date => d !== undefined).sort((a, b) => a.getTime() - b.getTime())[0];
}

export async function getOnboarding(
  db: pg.ClientBase | pg.Pool,
  principal: Principal | undefined,
): Promise<OnboardingState> {
  const user = userOf(principal);
  const list = CHECKLIST[user.role];
  const [row, firsts] = await Promise.all([readRow(db, user.id), auditedFirsts(db, user.id, list)]);
  const items = list.map((id) => {
    const marked = row.marked[id];
    const at = earliest([
      marked ? new Date(marked) : undefined,
      ...(BY_AUDIT[id] ?? []).map((a) => firsts.get(a)),
    ]);
    return { id, done: at !== undefined, done_at: at ? at.toISOString() : null };
  });
  return {
    role: user.role,
    items,
    completed: items.every((i) => i.done),
    dismissed: row.dismissed_at !== null,
    tour: { status: row.tour_status, step: row.tour_step, steps: TOUR_STEPS },
  };
}

async function ensureRow(tx: pg.ClientBase, userId: string): Promise<void> {
  await tx.query('insert into user_onboarding (user_id) values ($1) on conflict (user_id) do nothing', [
    userId,
  ]);
}

/** Ticks an item the console saw being done; the first time counts. */
export async function markItem(
  tx: pg.ClientBase,
  principal: Principal | undefined,
  item: string,
): Promise<OnboardingState> {
  const user = userOf(principal);
  if (!(ONBOARDING_ITEMS as readonly string[]).includes(item)) {
    throw ValidationError.of('item', `must be one of ${ONBOARDING_ITEMS.join(', ')}`);
  }
  if (!MARKABLE.has(item as OnboardingItem)) {
    throw new Conflict(`${item} is ticked by doing it, not by marking it.`);
  }
  await ensureRow(tx, user.id);
  await tx.query(
    `update user_onboarding set marked = jsonb_set(marked, array[$2::text], coalesce(marked -> $2, to_jsonb(now()))),
       updated_at = now() where user_id = $1`,
    [user.id, item],
  );
  return getOnboarding(tx, principal);
}

/** Dismisses (or brings back) the checklist, and records the user's place in the tour. */
export async function updateOnboarding(
  tx: pg.ClientBase,
  principal: Principal | undefined,
  patch: OnboardingPatch,
): Promise<OnboardingState> {
  const user = userOf(principal);
  await ensureRow(tx, user.id);
  if (patch.dismissed !== undefined) {
    await tx.query(
      `update user_onboarding set dismissed_at = case when $2 then coalesce(dismissed_at, now()) end,
         updated_at = now() where user_id = $1`,
      [user.id, patch.dismissed],
    );
  }
  if (patch.tour) {
    await tx.query(
      'update user_onboarding set tour_status = $2, tour_step = $3, updated_at = now() where user_id = $1',
      [user.id, patch.tour.status, patch.tour.step],
    );
  }
  return getOnboarding(tx, principal);
}
