import { z } from 'zod';
import { metaOf } from '../auth/authenticator.ts';
import { authFor } from '../auth/index.ts';
import { endOtherSessions, endSession, listIdentities, listSessions } from '../auth/user-sessions.ts';
import type { ApiDeps } from '../deps.ts';
import { Forbidden, Unauthorized } from '../domain/errors.ts';
import { USER_ROLES, type Principal } from '../http/principal.ts';
import { defineRoute, problemSchema, type AnyRoute, type RouteContext } from '../http/route.ts';
import { withTransaction } from '../store/tx.ts';
import { enumList, pageQueryShape, sortParam, textParam, type Actor } from '../ops/common.ts';
import { merchantScopeInput, pageSchema, timestamp } from '../ops/schemas.ts';
import {
  changeUser,
  DENSITIES,
  DIRECTORY_LIMIT,
  getMe,
  LANDING_PAGES,
  listDirectory,
  listUsers,
  MAX_COLUMNS,
  MAX_TABLES,
  NAME_MAX,
  TABLE_KEY,
  THEMES,
  updateMyPreferences,
  updateMyProfile,
  USER_SORT_KEYS,
} from '../ops/users.ts';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const tableKey = z.string().regex(TABLE_KEY, 'must be 1 to 64 characters of a-z, 0-9, _ . -');

const tablePreference = z.strictObject({
  columns: z
    .array(tableKey)
    .min(1, 'name at least one column')
    .max(MAX_COLUMNS, `must list at most ${String(MAX_COLUMNS)} columns`)
    .refine((cols) => new Set(cols).size === cols.length, 'must not list a column twice'),
});

const tablesSchema = z
  .record(z.string(), z.object({ columns: z.array(z.string()) }))
  .meta({ description: 'Remembered column pickers: the columns shown per console table id, in order' });

/** At most MAX_TABLES tables per patch (and stored: checked after the merge). */
const tablesPatch = z
  .record(tableKey, tablePreference.nullable(), {
    error: (issue) =>
      issue.code === 'invalid_key' ? 'table id must be 1 to 64 characters of a-z, 0-9, _ . -' : undefined,
  })
  .refine((t) => Object.keys(t).length <= MAX_TABLES, `must name at most ${String(MAX_TABLES)} tables`)
  .meta({
    description:
      'Merged per table: each table named replaces its stored columns, null forgets it, others stay',
  });

const preferencesSchema = z
  .object({
    theme: z.enum(THEMES),
    density: z.enum(DENSITIES),
    notifications_enabled: z.boolean(),
    timezone: z.string(),
    landing_page: z.enum(LANDING_PAGES).describe('The console page opened after sign-in'),
    tables: tablesSchema,
  })
  .meta({ id: 'Preferences' });

/** Strict: only preference fields, so nothing else (a role, say) can ride along. */
const preferencesPatch = z
  .strictObject({
    theme: z.enum(THEMES).optional(),
    density: z.enum(DENSITIES).optional(),
    notifications_enabled: z.boolean().optional(),
    timezone: z
      .string()
      .min(1)
      .max(64)
      .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris or UTC' })
      .optional(),
    landing_page: z.enum(LANDING_PAGES).optional(),
    tables: tablesPatch.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { error: 'name at least one preference to change' });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(USER_ROLES),
    merchant_ids: z
      .array(z.string())
      .nullable()
      .describe('The merchants the user is limited to; null: every merchant (always so for an admin)'),
    email_verified: z.boolean(),
    disabled: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'User' });

const meSchema = userSchema.extend({ preferences: preferencesSchema }).meta({ id: 'CurrentUser' });

const listQuery = z.strictObject({
  ...pageQueryShape,
  role: enumList(USER_ROLES).optional(),
  disabled: z.stringbool().optional(),
  q: textParam(200).optional(),
  sort: sortParam(USER_SORT_KEYS, 'email'),
});

const userChange = z
  .strictObject({
    role: z.enum(USER_ROLES).optional(),
    disabled: z.boolean().optional(),
    merchant_ids: merchantScopeInput.optional(),
  })
  .refine((c) => c.role !== undefined || c.disabled !== undefined || c.merchant_ids !== undefined, {
    error: 'name role, disabled or merchant_ids',
  });

const directoryQuery = z.strictObject({
  q: textParam(200).optional().describe('Start of the email, of the name or of a word of the name'),
  limit: z.coerce.number().int().min(1).max(DIRECTORY_LIMIT).default(DIRECTORY_LIMIT),
});

const directorySchema = z
  .object({
    data: z.array(
      z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.enum(['operator', 'admin']) }),
    ),
  })
  .meta({ id: 'UserDirectory' });

const profilePatch = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'enter a name')
    .max(NAME_MAX, `must be at most ${String(NAME_MAX)} characters`),
});

const sessionSchema = z
  .object({
    id: z.string(),
    user_agent: z.string().nullable().describe('The browser or client, as its User-Agent header said'),
    ip: z.string().nullable().describe('The client address of the latest use'),
    created_at: timestamp.describe('When the session was signed in'),
    last_used_at: timestamp.describe('Its latest token renewal (at most one access-token lifetime ago)'),
    expires_at: timestamp,
    current: z.boolean().describe('The session this request was made in'),
  })
  .meta({ id: 'Session' });

const identitySchema = z
  .object({ provider: z.string(), issuer: z.string(), email: z.string(), linked_at: timestamp })
  .meta({ id: 'LinkedIdentity' });

const sessionId = z.strictObject({ sessionId: z.string().regex(/^key_[0-9A-Z]{26}$/, 'not a session id') });

const tags = ['Users'];
const problem = (description: string) => ({ description, schema: problemSchema });

function signedIn(p: Principal | undefined): Principal {
  if (!p) throw new Unauthorized();
  if (p.kind !== 'user') throw new Forbidden('Only a signed-in user has sessions, not an API key.');
  return p;
}

function sessionRoutes(deps: ApiDeps): AnyRoute[] {
  const core = authFor(deps).core;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/users/me/sessions',
      access: 'signed_in',
      scope: 'none',
      summary: 'Your signed-in sessions: device, address, when signed in and last used',
      tags,
      responses: {
        200: {
          description: 'Live sessions, latest use first',
          schema: z.object({ data: z.array(sessionSchema) }),
        },
        403: problem('An API key has no sessions'),
      },
      handler: async ({ principal }) => ({
        status: 200,
        body: { data: await listSessions(deps.pool, signedIn(principal)) },
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/users/me/sessions/:sessionId',
      access: 'signed_in',
      scope: 'none',
      summary: 'Sign one of your sessions out: its refresh and access tokens stop working at once',
      tags,
      params: sessionId,
      responses: { 204: { description: 'Signed out' }, 404: problem('No such live session of yours') },
      handler: async ({ params, principal, req }) => {
        await endSession(core, signedIn(principal), params.sessionId, metaOf(req));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/users/me/sessions/sign-out-others',
      access: 'signed_in',
      scope: 'none',
      summary: 'Sign out every session of yours but this one',
      tags,
      responses: {
        200: { description: 'How many ended', schema: z.object({ ended: z.number().int() }) },
        409: problem('The access token names no session'),
      },
      handler: async ({ principal, req }) => ({
        status: 200,
        body: { ended: await endOtherSessions(core, signedIn(principal), metaOf(req)) },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/users/me/identities',
      access: 'signed_in',
      scope: 'none',
      summary: 'Your linked sign-in identities (Google or another OpenID Connect issuer)',
      tags,
      responses: {
        200: { description: 'Linked identities', schema: z.object({ data: z.array(identitySchema) }) },
      },
      handler: async ({ principal }) => ({
        status: 200,
        body: { data: await listIdentities(deps.pool, signedIn(principal)) },
      }),
    }),
  ];
}

function actorOf(ctx: RouteContext<unknown, unknown, unknown>): Actor {
  return { principal: ctx.principal, requestId: ctx.req.id };
}

export function usersRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/users/me',
      access: 'signed_in',
      scope: 'none',
      summary: 'The signed-in user with preferences',
      tags,
      responses: { 200: { description: 'The current user', schema: meSchema } },
      handler: async ({ principal }) => ({ status: 200, body: await getMe(pool, principal) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/users/me',
      access: 'signed_in',
      scope: 'none',
      summary: 'Change your display name',
      tags,
      body: profilePatch,
      responses: {
        200: { description: 'You after the change', schema: userSchema },
        400: problem('Bad name'),
      },
      handler: async (ctx) => ({
        status: 200,
        body: await withTransaction(pool, (tx) => updateMyProfile(tx, ctx.body, actorOf(ctx))),
      }),
    }),
    ...sessionRoutes(deps),
    defineRoute({
      method: 'patch',
      path: '/api/v1/users/me/preferences',
      access: 'signed_in',
      scope: 'none',
      summary: "Change the signed-in user's preferences",
      tags,
      body: preferencesPatch,
      responses: { 200: { description: 'The preferences after the change', schema: preferencesSchema } },
      handler: async (ctx) => ({
        status: 200,
        body: await withTransaction(pool, (tx) => updateMyPreferences(tx, ctx.body, actorOf(ctx))),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/users/directory',
      access: 'operator',
      scope: 'none',
      summary: 'Active operators and admins, to assign alerts to',
      tags,
      query: directoryQuery,
      responses: { 200: { description: 'Up to 50 people, by name', schema: directorySchema } },
      handler: async ({ query }) => ({
        status: 200,
        body: { data: await listDirectory(pool, query.q, query.limit) },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/users',
      access: 'admin',
      scope: 'none',
      summary: 'List users',
      tags,
      query: listQuery,
      responses: { 200: { description: 'A page of users', schema: pageSchema(userSchema) } },
      handler: async ({ query }) => {
        const { limit, offset, cursor, sort, ...filters } = query;
        return { status: 200, body: await listUsers(pool, filters, { limit, offset, cursor, sort }) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/users/:userId',
      access: 'admin',
      scope: 'none',
      summary: "Change a user's role or merchants, or disable them (the last admin stays)",
      tags,
      params: z.strictObject({ userId: z.string().min(1).max(64) }),
      body: userChange,
      responses: { 200: { description: 'The user after the change', schema: userSchema } },
      handler: async (ctx) => ({
        status: 200,
        body: await withTransaction(pool, (tx) => changeUser(tx, ctx.params.userId, ctx.body, actorOf(ctx))),
      }),
    }),
  ];
}
