// Cookie sessions for the browser console: the refresh token travels only in an HttpOnly cookie,
// so no page script (nor an injected one) can read it; the short-lived access token stays in the
// console's memory and goes out as a Bearer header.
//
// CSRF: a cookie is sent by the browser on its own, so cookie mode must be asked for with a
// custom request header, `X-PayFlow-Session: cookie`, on every call that uses the cookie (login,
// refresh, logout, change-password). A cross-site form or image cannot set a header, and a
// cross-site script can only with a CORS preflight, which the API grants to CONSOLE_ORIGIN
// alone (auth/http.ts). Without the header the cookie is never looked at: the endpoints take
// and answer the refresh token in the JSON body, as they do for API clients. SameSite=Strict
// keeps the cookie off cross-site requests as a second fence.
import type { CookieOptions, Request, Response } from 'express';
import type { ApiConfig } from '../config.ts';
import { Unauthorized, ValidationError } from '../domain/errors.ts';
import type { SignedIn } from './core.ts';

export const REFRESH_COOKIE = 'pf_refresh';
export const SESSION_HEADER = 'X-PayFlow-Session';
const COOKIE_PATH = '/api/v1/auth';
const TOKEN_MAX = 512;

/** The request, its response and the configuration (`secure` follows APP_BASE_URL or the request). */
export interface CookieContext {
  req: Request;
  res: Response;
  config: ApiConfig;
}

/** A sign-in as the API answers it: the refresh token absent in cookie mode. */
export type SessionBody = Omit<SignedIn, 'refreshExpiresAt' | 'refreshToken'> & { refreshToken?: string };

/** True when the request asks for cookie mode; another value of the header is a 400 naming it. */
export function cookieMode(req: Request): boolean {
  const value = req.get(SESSION_HEADER);
  if (value === undefined) return false;
  if (value.trim().toLowerCase() === 'cookie') return true;
  throw ValidationError.of(
    SESSION_HEADER,
    "The only session mode is 'cookie'; leave the header out to get the refresh token in the body.",
  );
}

function cookieOptions({ req, config }: CookieContext): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure || config.APP_BASE_URL.startsWith('https:'),
    path: COOKIE_PATH,
  };
}

/**
 * A readable companion of the refresh cookie that holds no secret, only "a session may exist":
 * the console asks for a silent refresh at start only when it is there, so a visitor who never
 * signed in causes no 401.
 */
export const SESSION_HINT_COOKIE = 'pf_session';

function hintOptions(ctx: CookieContext): CookieOptions {
  return { ...cookieOptions(ctx), httpOnly: false, path: '/' };
}

/** Sets the refresh cookie (and its hint) for the rest of the family's absolute lifetime. */
export function setRefreshCookie(ctx: CookieContext, session: SignedIn): void {
  const maxAge = Math.max(0, session.refreshExpiresAt.getTime() - Date.now());
  ctx.res.cookie(REFRESH_COOKIE, session.refreshToken, { ...cookieOptions(ctx), maxAge });
  ctx.res.cookie(SESSION_HINT_COOKIE, '1', { ...hintOptions(ctx), maxAge });
}

export function clearRefreshCookie(ctx: CookieContext): void {
  ctx.res.clearCookie(REFRESH_COOKIE, cookieOptions(ctx));
  ctx.res.clearCookie(SESSION_HINT_COOKIE, hintOptions(ctx));
}

/** The refresh cookie's value, if it looks like a token at all. */
export function refreshCookie(req: Request): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[REFRESH_COOKIE];
  return typeof value === 'string' && value.length > 0 && value.length <= TOKEN_MAX ? value : undefined;
}

/**
 * The refresh token a refresh or logout presents: the cookie in cookie mode (where a token in
 * the body is refused, so that a client cannot half-use the mode), else the body's (required).
 */
export function presentedToken(
  req: Request,
  cookie: boolean,
  bodyToken: string | undefined,
): string | undefined {
  if (cookie && bodyToken !== undefined) {
    throw ValidationError.of(
      'refreshToken',
      `With ${SESSION_HEADER}: cookie the refresh token is the ${REFRESH_COOKIE} cookie; leave refreshToken out.`,
    );
  }
  if (cookie) return refreshCookie(req);
  if (bodyToken === undefined) {
    throw ValidationError.of(
      'refreshToken',
      `Required (or send ${SESSION_HEADER}: cookie to use the session cookie).`,
    );
  }
  return bodyToken;
}

/** The response body of a sign-in; in cookie mode the refresh token goes into the cookie instead. */
export function answerSession(ctx: CookieContext, session: SignedIn, cookie: boolean): SessionBody {
  const { refreshExpiresAt: _expires, refreshToken, ...body } = session;
  if (!cookie) return { ...body, refreshToken };
  setRefreshCookie(ctx, session);
  return body;
}

/** A refused cookie is cleared with the 401, so the console stops presenting it. */
export async function orClearCookie<T>(ctx: CookieContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Unauthorized) clearRefreshCookie(ctx);
    throw err;
  }
}
