import { z } from 'zod';
import * as accounts from '../auth/accounts.ts';
import { createApiKey, listApiKeys, revokeApiKey, scopeApiKey } from '../auth/api-keys.ts';
import { merchantScopeInput } from '../ops/schemas.ts';
import { metaOf } from '../auth/authenticator.ts';
import {
  answerSession,
  clearRefreshCookie,
  cookieMode,
  orClearCookie,
  presentedToken,
  REFRESH_COOKIE,
  SESSION_HEADER,
} from '../auth/cookie-session.ts';
import { authFor } from '../auth/index.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.ts';
import type { ApiDeps } from '../deps.ts';
import { Forbidden, Unauthorized } from '../domain/errors.ts';
import { ROLES, USER_ROLES, type Principal } from '../http/principal.ts';
import { setupFirstAdmin } from '../auth/first-admin.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { oidcRoutes } from '../auth/oidc-routes.ts';

const email = z.string().trim().max(254).pipe(z.email());
const newPassword = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${String(PASSWORD_MIN)} characters`)
  .max(PASSWORD_MAX, `must be at most ${String(PASSWORD_MAX)} characters`);
const anyPassword = z.string().min(1).max(PASSWORD_MAX);
const opaque = z.string().min(16).max(512);

const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z
      .enum(USER_ROLES)
      .describe('none: the account waits for an administrator to grant a role (no access until then)'),
    email_verified: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: 'SessionUser' });

export const signedInSchema = z
  .object({
    user: userSchema,
    accessToken: z.string(),
    refreshToken: z
      .string()
      .optional()
      .describe(
        `Absent when the request sent ${SESSION_HEADER}: cookie; the refresh token is then only in the HttpOnly cookie ${REFRESH_COOKIE} (Path=/api/v1/auth, SameSite=Strict).`,
      ),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int(),
  })
  .meta({ id: 'SignedIn' });

const acceptedSchema = z
  .object({ status: z.literal('accepted'), message: z.string() })
  .meta({ id: 'Accepted' });
const problem = (description: string) => ({ description, schema: problemSchema });

/** The refresh token in the body (API clients), or nothing in cookie mode (the console). */
const tokenBody = z.strictObject({ refreshToken: opaque.optional() }).optional();
const COOKIE_NOTE = `With ${SESSION_HEADER}: cookie, the refresh token is the ${REFRESH_COOKIE} cookie, never the body`;

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    created_by: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    merchant_ids: z
      .array(z.string())
      .nullable()
      .describe('The merchants the key is limited to; null: every merchant (always so for an admin key)'),
  })
  .meta({ id: 'ApiKey' });

function userOf(p: Principal | undefined): Principal {
  if (!p) throw new Unauthorized();
  if (p.kind !== 'user') throw new Forbidden('Only a signed-in user can do this, not an API key.');
  return p;
}

function accountRoutes(deps: ApiDeps): AnyRoute[] {
  const core = authFor(deps).core;
  const config = deps.config;
  const tags = ['auth'];
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/signup',
      access: 'public',
      scope: 'none',
      summary:
        'Create an account, as the sign-up policy (SIGNUP_POLICY) allows; a verification link is emailed (same answer for a known address)',
      tags,
      body: z.strictObject({ email, password: newPassword, name: z.string().trim().max(200).default('') }),
      responses: {
        202: { description: 'Accepted', schema: acceptedSchema },
        400: problem('Invalid input'),
        403: problem(
          'Sign-up is by invitation (code signup_by_invitation), or this address is outside the allowed domains (signup_domain_not_allowed)',
        ),
      },
      handler: async ({ body, req }) => {
        await accounts.signup(core, body, metaOf(req));
        return { status: 202, body: accounts.ACCEPTED };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/setup',
      access: 'public',
      scope: 'none',
      summary: `Make the first admin with the one-time setup token the API printed in its log (only while no admin exists) and sign in. ${COOKIE_NOTE}`,
      tags,
      body: z.strictObject({
        token: opaque,
        email,
        password: newPassword,
        name: z.string().trim().min(1).max(200),
      }),
      responses: {
        200: { description: 'The first admin, signed in', schema: signedInSchema },
        400: problem('Invalid input, or a token that is not a live setup token (field token)'),
        409: problem('An admin exists already'),
      },
      handler: async ({ body, req, res }) => {
        const cookie = cookieMode(req);
        const session = await setupFirstAdmin(core, body, metaOf(req));
        return { status: 200, body: answerSession({ req, res, config }, session, cookie) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      access: 'public',
      scope: 'none',
      summary: `Sign in with email and password. ${COOKIE_NOTE} (set as the cookie, left out of the answer)`,
      tags,
      body: z.strictObject({ email, password: anyPassword }),
      responses: {
        200: { description: 'Signed in', schema: signedInSchema },
        400: problem(`Invalid input, or an ${SESSION_HEADER} value other than cookie`),
        401: problem('Wrong email or password'),
        403: problem('Email not verified'),
        429: problem('Too many failed attempts'),
      },
      handler: async ({ body, req, res }) => {
        const cookie = cookieMode(req);
        const session = await accounts.login(core, body, metaOf(req));
        return { status: 200, body: answerSession({ req, res, config }, session, cookie) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/refresh',
      access: 'public',
      scope: 'none',
      summary: `Exchange a refresh token for new tokens (the old one stops working; presenting it again ends the session). ${COOKIE_NOTE}: send {} or no body; the cookie is rotated`,
      tags,
      body: tokenBody,
      responses: {
        200: { description: 'New tokens', schema: signedInSchema },
        401: problem('Not valid (in cookie mode: no or refused cookie, which is then cleared)'),
      },
      handler: async ({ body, req, res }) => {
        const ctx = { req, res, config };
        const cookie = cookieMode(req);
        const token = presentedToken(req, cookie, body?.refreshToken);
        const rotate = async () => {
          if (token === undefined) throw new Unauthorized('No session cookie; sign in again.');
          return accounts.refresh(core, token, metaOf(req));
        };
        const session = cookie ? await orClearCookie(ctx, rotate) : await rotate();
        return { status: 200, body: answerSession(ctx, session, cookie) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      access: 'public',
      scope: 'none',
      summary: `End the session the refresh token belongs to. ${COOKIE_NOTE}: send {} or no body; the cookie is cleared`,
      tags,
      body: tokenBody,
      responses: { 204: { description: 'Signed out' } },
      handler: async ({ body, req, res }) => {
        const cookie = cookieMode(req);
        const token = presentedToken(req, cookie, body?.refreshToken);
        if (token !== undefined) await accounts.logout(core, token, metaOf(req));
        if (cookie) clearRefreshCookie({ req, res, config });
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/verify-email',
      access: 'public',
      scope: 'none',
      summary: 'Confirm an email address with the emailed token',
      tags,
      query: z.object({ token: opaque }),
      responses: {
        200: { description: 'Verified', schema: z.object({ status: z.literal('verified') }) },
        303: { description: 'Verified; a browser is sent to the console sign-in page' },
        400: problem('Invalid, used or expired token'),
      },
      handler: async ({ query, req }) => {
        await accounts.verifyEmail(core, query.token, metaOf(req));
        // A person clicking the emailed link lands on the console's sign-in page.
        if (req.accepts(['json', 'html']) === 'html') {
          const base = deps.config.CONSOLE_ORIGIN ?? deps.config.APP_BASE_URL;
          return { status: 303, headers: { Location: `${base}/login?verified=1` } };
        }
        return { status: 200, body: { status: 'verified' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/resend-verification',
      access: 'public',
      scope: 'none',
      summary: 'Email a new verification link (same answer for any address)',
      tags,
      body: z.strictObject({ email }),
      responses: { 202: { description: 'Accepted', schema: acceptedSchema } },
      handler: async ({ body, req }) => {
        await accounts.resendVerification(core, body.email, metaOf(req));
        return { status: 202, body: accounts.ACCEPTED };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/forgot-password',
      access: 'public',
      scope: 'none',
      summary: 'Email a password reset link (same answer for any address)',
      tags,
      body: z.strictObject({ email }),
      responses: { 202: { description: 'Accepted', schema: acceptedSchema } },
      handler: async ({ body, req }) => {
        await accounts.forgotPassword(core, body.email, metaOf(req));
        return { status: 202, body: accounts.ACCEPTED };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/reset-password',
      access: 'public',
      scope: 'none',
      summary: 'Set a new password with the emailed token; ends every session',
      tags,
      body: z.strictObject({ token: opaque, password: newPassword }),
      responses: { 204: { description: 'Password changed' }, 400: problem('Invalid, used or expired token') },
      handler: async ({ body, req }) => {
        await accounts.resetPassword(core, body, metaOf(req));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/change-password',
      access: 'signed_in',
      scope: 'none',
      summary: `Change your password; every other session ends and new tokens are returned. ${COOKIE_NOTE} (set as the cookie)`,
      tags,
      body: z.strictObject({ currentPassword: anyPassword, newPassword }),
      responses: {
        200: { description: 'Changed; new tokens', schema: signedInSchema },
        400: problem('Current password wrong or new one invalid'),
      },
      handler: async ({ body, principal, req, res }) => {
        const cookie = cookieMode(req);
        const session = await accounts.changePassword(core, userOf(principal).id, body, metaOf(req));
        return { status: 200, body: answerSession({ req, res, config }, session, cookie) };
      },
    }),
  ];
}

function apiKeyRoutes(deps: ApiDeps): AnyRoute[] {
  const core = authFor(deps).core;
  const tags = ['api-keys'];
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/api-keys',
      access: 'admin',
      scope: 'none',
      summary: 'Create an API key for a machine client; the key is shown once',
      tags,
      body: z.strictObject({
        name: z.string().trim().min(1).max(200),
        role: z.enum(ROLES),
        merchant_ids: merchantScopeInput.optional(),
      }),
      responses: { 201: { description: 'Created', schema: apiKeySchema.extend({ key: z.string() }) } },
      handler: async ({ body, principal, req }) => {
        if (!principal) throw new Unauthorized();
        return { status: 201, body: await createApiKey(core, principal, body, metaOf(req)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/api-keys',
      access: 'admin',
      scope: 'none',
      summary: 'List API keys (never the keys themselves)',
      tags,
      responses: { 200: { description: 'Keys', schema: z.object({ data: z.array(apiKeySchema) }) } },
      handler: async () => ({ status: 200, body: { data: await listApiKeys(core.pool) } }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/api-keys/:keyId',
      access: 'admin',
      scope: 'none',
      summary: 'Change the merchants an API key is limited to',
      tags,
      params: z.object({ keyId: z.string().regex(/^key_[0-9A-Z]{26}$/) }),
      body: z.strictObject({ merchant_ids: merchantScopeInput }),
      responses: {
        200: { description: 'The key after the change', schema: apiKeySchema },
        404: problem('No such key'),
      },
      handler: async ({ params, body, principal, req }) => {
        if (!principal) throw new Unauthorized();
        return {
          status: 200,
          body: await scopeApiKey(
            core,
            principal,
            { id: params.keyId, merchantIds: body.merchant_ids },
            metaOf(req),
          ),
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/api-keys/:keyId',
      access: 'admin',
      scope: 'none',
      summary: 'Revoke an API key',
      tags,
      params: z.object({ keyId: z.string().regex(/^key_[0-9A-Z]{26}$/) }),
      responses: { 204: { description: 'Revoked' }, 404: problem('No such key') },
      handler: async ({ params, principal, req }) => {
        if (!principal) throw new Unauthorized();
        await revokeApiKey(core, principal, params.keyId, metaOf(req));
        return { status: 204 };
      },
    }),
  ];
}

export function authRoutes(deps: ApiDeps): AnyRoute[] {
  return [...accountRoutes(deps), ...oidcRoutes(deps), ...apiKeyRoutes(deps)];
}
