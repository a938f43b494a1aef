export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** A user's role: `none` is an account waiting for an admin to grant one (no access until then). */
export type UserRole = Role | 'none';
export const USER_ROLES = ['none', ...ROLES] as const;

export function roleAtLeast(have: UserRole | undefined, need: Role): boolean {
  return have !== undefined && have !== 'none' && ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** Why a role may not do something: the text of the tooltip on a disabled action. */
export function needsRole(need: Role): string {
  return need === 'admin'
    ? 'Only an admin can do this. Ask an admin to change your role.'
    : 'Your role is viewer: only operators and admins can do this.';
}
