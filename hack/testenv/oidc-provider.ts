// A real OpenID Connect provider (oidc-provider) for one confidential client on loopback: what
// the tests sign in through and what the local demo runs in Google's place. Code flow with PKCE,
// ES256 ID tokens, the email and profile claims; the caller serves its login interaction.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';

export interface OidcClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  findAccount: FindAccount;
}

/** The provider; its interactions are at `/interaction/<uid>`, for the caller to answer. */
export function oidcProvider(c: OidcClient): Provider {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new Provider(c.issuer, {
    clients: [
      {
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: [c.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    findAccount: c.findAccount,
  });
}

/** Grants the client the scopes it asks for (the consent step). */
export async function grantConsent(provider: Provider, accountId: string, clientId: string): Promise<string> {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope('openid email profile');
  return grant.save();
}
