import type { Request } from 'express';

/** Roles, least to most privileged: viewer reads; operator acts on payments, alerts, jobs; admin manages. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** A user's role: one of ROLES, or `none` for an account waiting for an admin to grant one. */
export type UserRole = Role | 'none';
export const USER_ROLES = ['none', ...ROLES] as const;

/** Who is calling: a signed-in user, a machine client with an API key, or the system itself. */
export interface Principal {
  readonly kind: 'user' | 'api_key' | 'system';
  readonly id: string;
  readonly role: UserRole;
  readonly email?: string;
  /** A signed-in user's session (refresh-token family), when the access token names it. */
  readonly sessionId?: string | undefined;
  /**
   * The merchants this user or API key is limited to; undefined: every merchant. Admins and the
   * system are never limited (see merchantScopeOf), whatever is stored.
   */
  readonly merchantScope?: readonly string[] | undefined;
}

/**
 * The merchants a caller may see, for the store's queries: undefined means every merchant (no
 * principal at all is the system's own work, or a public route that reads no payment data).
 * Every use case that reads or changes payment data takes this and puts it in its query.
 */
export function merchantScopeOf(p: Principal | undefined): readonly string[] | undefined {
  if (!p || p.kind === 'system' || p.role === 'admin') return undefined;
  return p.merchantScope;
}

/**
 * How a route honours merchant scopes (the route-table test holds every route to one):
 * `none`: it reads or changes nothing of a merchant's (rules, users, settings, health, your own
 * account); `query`: the scope is a condition of its queries (a payment outside answers 404);
 * `stream`: each event is delivered only when its merchant is in the scope; `unscoped`: it works
 * over every merchant at once, so a scoped caller is refused with 403.
 */
export type ScopeHandling = 'none' | 'query' | 'stream' | 'unscoped';

/**
 * `public` routes need no principal; `signed_in` ones any signed-in caller, even one without a
 * role yet (their own profile); every other route names the least role it needs.
 */
export type Access = 'public' | 'signed_in' | Role;

export function roleAtLeast(have: UserRole, need: Role): boolean {
  return have !== 'none' && ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/**
 * Resolves the caller of a request, or undefined when the request carries no
 * credentials. Throws Unauthorized for credentials that are present but bad.
 * The auth module provides the real one; it is injected into createApp.
 */
export type Authenticator = (req: Request) => Promise<Principal | undefined>;

/** The audit actor for a principal (or an anonymous caller). */
export function actorOf(p: Principal | undefined): {
  actorType: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
} {
  if (!p) return { actorType: 'anonymous', actorId: null };
  return { actorType: p.kind, actorId: p.id };
}
