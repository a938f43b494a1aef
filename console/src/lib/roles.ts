export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(have: Role | undefined, need: Role): boolean {
  return have !== undefined && ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** Why a role may not do something: the text of the tooltip on a disabled action. */
export function needsRole(need: Role): string {
  return need === 'admin'
    ? 'Only an admin can do this. Ask an admin to change your role.'
    : 'Your role is viewer: only operators and admins can do this.';
}
