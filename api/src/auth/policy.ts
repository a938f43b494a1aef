// The sign-up policy: who may create an account by themselves, by password (POST
// /api/v1/auth/signup) or at a first sign-in through OpenID Connect. Invitations and the
// configured first admin are the other ways in, whatever the policy.
import { signupDomains, type ApiConfig } from '../config.ts';
import { DomainError } from '../domain/errors.ts';
import type { UserRole } from '../http/principal.ts';

export type SignupPolicy = ApiConfig['SIGNUP_POLICY'];

/** 403: this server does not let this address make its own account. */
export class SignupRefused extends DomainError {
  readonly reason: 'signup_by_invitation' | 'signup_domain_not_allowed';

  constructor(reason: SignupRefused['reason'], detail: string) {
    super({ code: reason, status: 403, title: 'Sign-up is not open', detail, field: 'email' });
    this.reason = reason;
  }
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The role a self-made account of this address gets, or the refusal: `closed` and `invite`
 * refuse everyone, `domain` refuses addresses outside SIGNUP_DOMAINS, `open` accepts anyone.
 */
export function selfSignupRole(config: ApiConfig, email: string): UserRole | SignupRefused {
  switch (config.SIGNUP_POLICY) {
    case 'closed':
    case 'invite':
      return new SignupRefused(
        'signup_by_invitation',
        'Sign-up is by invitation on this server: ask an administrator to invite you.',
      );
    case 'domain': {
      const domains = signupDomains(config);
      if (!domains.includes(domainOf(email)))
        return new SignupRefused(
          'signup_domain_not_allowed',
          `Sign-up is open to addresses at ${domains.join(', ')} only; ask an administrator to invite you.`,
        );
      return config.SIGNUP_ROLE;
    }
    case 'open':
      return config.SIGNUP_ROLE;
  }
}
