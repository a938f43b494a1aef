import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { createAccessTokens, TokenRejected } from './jwt.ts';

const pem = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

const settings = { issuer: 'payflow', audience: 'payflow-api', ttlSeconds: 900 };

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TokenRejected) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('access tokens', () => {
  it('when a token is signed, then it verifies to its subject, version and a fresh jti', () => {
    const tokens = createAccessTokens({ ...settings, privateKeyPem: pem() });
    const a = tokens.sign({ sub: 'usr_1', ver: 3 });
    const b = tokens.sign({ sub: 'usr_1', ver: 3 });
    expect(a.expiresIn).toBe(900);
    const claims = tokens.verify(a.token);
    expect(claims).toMatchObject({ sub: 'usr_1', ver: 3 });
    expect(claims.jti).not.toBe(tokens.verify(b.token).jti);
  });

  it('when keys rotate, then tokens of the previous key still verify and tokens of an unrelated key do not', () => {
    const oldKey = pem();
    const old = createAccessTokens({ ...settings, privateKeyPem: oldKey });
    const oldPublic = old.publicKeyPem;
    const current = createAccessTokens({
      ...settings,
      privateKeyPem: pem(),
      previousPublicKeyPem: oldPublic,
    });
    expect(current.verify(old.sign({ sub: 'usr_1', ver: 0 }).token).sub).toBe('usr_1');
    const stranger = createAccessTokens({ ...settings, privateKeyPem: pem() });
    expect(reasonOf(() => current.verify(stranger.sign({ sub: 'usr_1', ver: 0 }).token))).toBe('unknown_key');
  });

  it('when the key is not P-256, then the signer refuses to start', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => createAccessTokens({ ...settings, privateKeyPem: rsa })).toThrow(/P-256/);
  });

  it('when another issuer or audience signed with the same key, then the reason names it', () => {
    const key = pem();
    const tokens = createAccessTokens({ ...settings, privateKeyPem: key });
    const other = createAccessTokens({ ...settings, audience: 'elsewhere', privateKeyPem: key });
    expect(reasonOf(() => tokens.verify(other.sign({ sub: 'u', ver: 0 }).token))).toBe('wrong_audience');
    const foreign = createAccessTokens({ ...settings, issuer: 'evil', privateKeyPem: key });
    expect(reasonOf(() => tokens.verify(foreign.sign({ sub: 'u', ver: 0 }).token))).toBe('wrong_issuer');
    const { kid } = jwt.decode(tokens.sign({ sub: 'u', ver: 0 }).token, { complete: true })?.header ?? {};
    const payload: Record<string, unknown> = { sub: 'u' };
    const noVer = jwt.sign(payload, key, {
      algorithm: 'ES256',
      header: { alg: 'ES256', typ: 'at+jwt', kid: kid ?? '' },
      issuer: 'payflow',
      audience: 'payflow-api',
      expiresIn: 60,
      jwtid: 'j',
    });
    expect(reasonOf(() => tokens.verify(noVer))).toBe('missing_claims');
  });
});
