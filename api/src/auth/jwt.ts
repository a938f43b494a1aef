import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { newSecret } from './secrets.ts';

/** The one signature algorithm accepted; never `none`, never an HMAC keyed with a public key. */
export const ACCESS_TOKEN_ALG = 'ES256';
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface JwtSettings {
  privateKeyPem: string;
  previousPublicKeyPem?: string | undefined;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessClaims {
  sub: string;
  ver: number;
  jti: string;
  /** The session (refresh-token family) the token was issued in; absent on tokens made before sessions were named. */
  sid?: string | undefined;
}

/** Why a token was refused, for the audit row; the client only ever sees 401. */
export class TokenRejected extends Error {
  readonly reason: string;
  readonly jti: string | undefined;
  constructor(reason: string, jti?: string) {
    super(`access token rejected: ${reason}`);
    this.reason = reason;
    this.jti = jti;
  }
}

function keyId(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url').slice(0, 16);
}

function assertP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${what} must be an EC P-256 key for ES256`);
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) return 'expired';
  if (err instanceof jwt.NotBeforeError) return 'not_yet_valid';
  const message = err instanceof Error ? err.message : 'invalid';
  if (message.includes('audience')) return 'wrong_audience';
  if (message.includes('issuer')) return 'wrong_issuer';
  if (message.includes('algorithm')) return 'wrong_algorithm';
  if (message.includes('signature')) return 'bad_signature';
  return 'malformed';
}

function claimsOf(payload: jwt.JwtPayload): AccessClaims {
  const { sub, ver, jti, exp, sid } = payload as jwt.JwtPayload & { ver?: unknown; sid?: unknown };
  if (typeof exp !== 'number') throw new TokenRejected('no_expiry', jti);
  if (typeof sub !== 'string' || typeof ver !== 'number' || typeof jti !== 'string') {
    throw new TokenRejected('missing_claims', jti);
  }
  if (sid !== undefined && typeof sid !== 'string') throw new TokenRejected('missing_claims', jti);
  return { sub, ver, jti, sid };
}

export interface AccessTokenSigner {
  sign(claims: { sub: string; ver: number; sid?: string }): { token: string; expiresIn: number };
  verify(token: string): AccessClaims;
  /** The public key that signs now, PEM (tests build attack tokens with it). */
  readonly publicKeyPem: string;
}

/** Signs and verifies access tokens: ES256 pinned; `typ`, `iss`, `aud`, `exp`, `nbf` checked. */
export function createAccessTokens(s: JwtSettings): AccessTokenSigner {
  const privateKey = createPrivateKey(s.privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  assertP256(publicKey, 'JWT_PRIVATE_KEY');
  const keys = new Map<string, KeyObject>([[keyId(publicKey), publicKey]]);
  if (s.previousPublicKeyPem) {
    const previous = createPublicKey(s.previousPublicKeyPem);
    assertP256(previous, 'JWT_PREVIOUS_PUBLIC_KEY');
    keys.set(keyId(previous), previous);
  }
  const kid = keyId(publicKey);
  const verifyOptions = {
    algorithms: [ACCESS_TOKEN_ALG] as jwt.Algorithm[],
    issuer: s.issuer,
    audience: s.audience,
    complete: true as const,
    clockTolerance: 5,
  };
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign(claims) {
      const body = claims.sid === undefined ? { ver: claims.ver } : { ver: claims.ver, sid: claims.sid };
      const token = jwt.sign(body, privateKey, {
        algorithm: ACCESS_TOKEN_ALG,
        header: { alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid },
        issuer: s.issuer,
        audience: s.audience,
        subject: claims.sub,
        expiresIn: s.ttlSeconds,
        notBefore: 0,
        jwtid: newSecret('').slice(0, 22),
      });
      return { token, expiresIn: s.ttlSeconds };
    },
    verify(token) {
      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.payload === 'string') throw new TokenRejected('malformed');
      const jti = typeof decoded.payload.jti === 'string' ? decoded.payload.jti : undefined;
      if (decoded.header.alg !== ACCESS_TOKEN_ALG) throw new TokenRejected('wrong_algorithm', jti);
      if (decoded.header.typ !== ACCESS_TOKEN_TYP) throw new TokenRejected('wrong_type', jti);
      const key = keys.get(decoded.header.kid ?? '');
      if (!key) throw new TokenRejected('unknown_key', jti);
      let verified: jwt.Jwt;
      try {
        verified = jwt.verify(token, key, verifyOptions);
      } catch (err) {
        throw new TokenRejected(reasonOf(err), jti);
      }
      if (typeof verified.payload === 'string') throw new TokenRejected('malformed', jti);
      return claimsOf(verified.payload);
    },
  };
}
