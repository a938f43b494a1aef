import { z } from 'zod';
import { metaOf } from '../auth/authenticator.ts';
import { answerSession, cookieMode } from '../auth/cookie-session.ts';
import { authFor } from '../auth/index.ts';
import {
  acceptInvitation,
  createInvitation,
  INVITATION_STATUSES,
  listInvitations,
  peekInvitation,
  resendInvitation,
  revokeInvitation,
} from '../auth/invitations.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.ts';
import type { ApiDeps } from '../deps.ts';
import { Unauthorized } from '../domain/errors.ts';
import { ROLES, type Principal } from '../http/principal.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { enumList } from '../ops/common.ts';
import { merchantScopeInput, timestamp } from '../ops/schemas.ts';
import { signedInSchema } from './auth.ts';

export const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    merchant_ids: z
      .array(z.string())
      .nullable()
      .describe('The merchants the account will be limited to; null: every merchant'),
    status: z.enum(INVITATION_STATUSES),
    invited_by: z.string().nullable(),
    created_at: timestamp,
    expires_at: timestamp,
    sent_at: timestamp.describe('When the latest link was mailed'),
    send_count: z.number().int(),
    accepted_at: timestamp.nullable(),
    accepted_user_id: z.string().nullable(),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'Invitation' });

const email = z.string().trim().max(254).pipe(z.email());
const token = z.string().min(16).max(512);
const params = z.strictObject({ invitationId: z.string().min(1).max(64) });
const problem = (description: string) => ({ description, schema: problemSchema });

function who(p: Principal | undefined): Principal {
  if (!p) throw new Unauthorized();
  return p;
}

export function invitationsRoutes(deps: ApiDeps): AnyRoute[] {
  const core = authFor(deps).core;
  const tags = ['auth'];
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/invitations',
      access: 'admin',
      scope: 'none',
      summary: 'Invitations, newest first (the latest 500), with their status',
      tags,
      query: z.strictObject({ status: enumList(INVITATION_STATUSES).optional() }),
      responses: {
        200: { description: 'Invitations', schema: z.object({ data: z.array(invitationSchema) }) },
      },
      handler: async ({ query }) => ({
        status: 200,
        body: { data: await listInvitations(deps.pool, query.status) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/invitations',
      access: 'admin',
      scope: 'none',
      summary: 'Invite an address with a role (and merchants); the mail holds a single-use link that expires',
      tags,
      body: z.strictObject({ email, role: z.enum(ROLES), merchant_ids: merchantScopeInput.optional() }),
      responses: {
        201: { description: 'The invitation (sent)', schema: invitationSchema },
        409: problem('The address has an account (account_exists) or an open invitation (already_invited)'),
      },
      handler: async ({ body, principal, req }) => ({
        status: 201,
        body: await createInvitation(core, who(principal), body, metaOf(req)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/invitations/:invitationId/resend',
      access: 'admin',
      scope: 'none',
      summary: 'Mail a new link (the previous one stops working) valid for the full lifetime again',
      tags,
      params,
      responses: {
        200: { description: 'The invitation after sending', schema: invitationSchema },
        409: problem('Accepted or revoked'),
      },
      handler: async ({ params: p, principal, req }) => ({
        status: 200,
        body: await resendInvitation(core, who(principal), p.invitationId, metaOf(req)),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/invitations/:invitationId',
      access: 'admin',
      scope: 'none',
      summary: 'Revoke an invitation: its link stops working',
      tags,
      params,
      responses: {
        200: { description: 'The invitation, revoked', schema: invitationSchema },
        409: problem('Accepted already'),
      },
      handler: async ({ params: p, principal, req }) => ({
        status: 200,
        body: await revokeInvitation(core, who(principal), p.invitationId, metaOf(req)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/invitation',
      access: 'public',
      scope: 'none',
      summary: 'What a live invitation link is for (the accept page shows it)',
      tags,
      body: z.strictObject({ token }),
      responses: {
        200: {
          description: 'The invited address and role',
          schema: z
            .object({ email: z.string(), role: z.enum(ROLES), expires_at: timestamp })
            .meta({ id: 'InvitationPreview' }),
        },
        400: problem('The link is invalid, used, revoked or expired (field token)'),
      },
      handler: async ({ body }) => ({ status: 200, body: await peekInvitation(core, body.token) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/accept-invitation',
      access: 'public',
      scope: 'none',
      summary:
        'Accept an invitation with a password: the account is made, its address verified and it is signed in (once per link)',
      tags,
      body: z.strictObject({
        token,
        name: z.string().trim().min(1).max(200),
        password: z
          .string()
          .min(PASSWORD_MIN, `must be at least ${String(PASSWORD_MIN)} characters`)
          .max(PASSWORD_MAX, `must be at most ${String(PASSWORD_MAX)} characters`),
      }),
      responses: {
        200: { description: 'Signed in', schema: signedInSchema },
        400: problem('The link is invalid, used, revoked or expired (field token)'),
        409: problem('The address has an account already'),
      },
      handler: async ({ body, req, res }) => {
        const cookie = cookieMode(req);
        const session = await acceptInvitation(core, body, metaOf(req));
        return { status: 200, body: answerSession({ req, res, config: deps.config }, session, cookie) };
      },
    }),
  ];
}
