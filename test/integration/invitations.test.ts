// Invitations on a server with closed sign-up: an admin invites an address with a role and
// merchants; the mailed link works once, expires, can be resent (the old link dies) and revoked;
// accepting sets the password and verifies the address in one step; every step is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginAdmin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';
import { tokenFrom } from '../support/smtp.ts';

const PASSWORD = 'invited person password';

interface InvitationBody {
  id: string;
  email: string;
  role: string;
  merchant_ids: string[] | null;
  status: string;
  send_count: number;
}

describe('invitations', () => {
  let h: AuthHarness;
  let admin: SignedInBody;

  async function invite(
    body: Record<string, unknown>,
  ): Promise<{ invitation: InvitationBody; token: string }> {
    const res = await h.call('POST', '/api/v1/invitations', { token: admin.accessToken, body });
    expect(res.status, await res.clone().text()).toBe(201);
    const invitation = (await res.json()) as InvitationBody;
    const mail = await h.smtp.next(invitation.email);
    expect(mail.subject).toBe('You are invited to PayFlow');
    expect(mail.text).toContain('http://console.test:5173/accept-invitation?token=');
    return { invitation, token: tokenFrom(mail) };
  }

  async function accept(token: string, name = 'Invited Person'): Promise<Response> {
    return h.call('POST', '/api/v1/auth/accept-invitation', { body: { token, name, password: PASSWORD } });
  }

  async function refusedBecause(res: Response, reason: string): Promise<void> {
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'token' });
    expect((await h.audit('auth.invitation_accept_failed')).at(-1)?.reason).toBe(reason);
  }

  beforeAll(async () => {
    h = await startAuthApi({ SIGNUP_POLICY: '', SIGNUP_ROLE: '' });
    admin = await loginAdmin(h);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when an invited person accepts, then the account exists verified with the role and merchants, signed in; a second accept is refused', async () => {
    const email = uniqueEmail('invitee');
    const { invitation, token } = await invite({
      email,
      role: 'operator',
      merchant_ids: ['merchant_b', 'merchant_a', 'merchant_a'],
    });
    expect(invitation).toMatchObject({
      email,
      role: 'operator',
      merchant_ids: ['merchant_a', 'merchant_b'],
      status: 'pending',
      send_count: 1,
    });
    const preview = await h.call('POST', '/api/v1/auth/invitation', { body: { token } });
    expect(await preview.json()).toMatchObject({ email, role: 'operator' });
    const res = await accept(token);
    expect(res.status).toBe(200);
    const signed = (await res.json()) as SignedInBody;
    expect(signed.user).toMatchObject({
      email,
      role: 'operator',
      email_verified: true,
      name: 'Invited Person',
    });
    const { rows } = await h.pool.query<{ merchant_ids: string[] }>(
      'select merchant_ids from users where id = $1',
      [signed.user.id],
    );
    expect(rows[0]?.merchant_ids).toEqual(['merchant_a', 'merchant_b']);
    const login = await h.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    await refusedBecause(await accept(token, 'Someone Else'), 'accepted');
    const list = await h.call('GET', '/api/v1/invitations', { token: admin.accessToken });
    const listed = ((await list.json()) as { data: InvitationBody[] }).data.find(
      (i) => i.id === invitation.id,
    );
    expect(listed?.status).toBe('accepted');
    expect((await h.audit('auth.invitation_created')).at(-1)?.resource_id).toBe(invitation.id);
    expect((await h.audit('auth.invitation_accepted')).at(-1)).toMatchObject({
      actor_id: signed.user.id,
      resource_id: invitation.id,
    });
  });

  it('when an invitation has expired, then its link is refused and the list says expired', async () => {
    const { invitation, token } = await invite({ email: uniqueEmail('late'), role: 'viewer' });
    await h.pool.query("update invitations set expires_at = now() - interval '1 second' where id = $1", [
      invitation.id,
    ]);
    await refusedBecause(await accept(token), 'expired');
    const list = await h.call('GET', '/api/v1/invitations?status=expired', { token: admin.accessToken });
    expect(((await list.json()) as { data: InvitationBody[] }).data.map((i) => i.id)).toContain(
      invitation.id,
    );
  });

  it('when an invitation is revoked, then its link is refused, and revoking is audited', async () => {
    const { invitation, token } = await invite({ email: uniqueEmail('revoked'), role: 'viewer' });
    const revoked = await h.call('DELETE', `/api/v1/invitations/${invitation.id}`, {
      token: admin.accessToken,
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ status: 'revoked' });
    await refusedBecause(await accept(token), 'revoked');
    expect((await h.audit('auth.invitation_revoked')).at(-1)).toMatchObject({
      actor_id: admin.user.id,
      resource_id: invitation.id,
    });
    const resend = await h.call('POST', `/api/v1/invitations/${invitation.id}/resend`, {
      token: admin.accessToken,
    });
    expect(resend.status).toBe(409);
  });

  it('when an invitation is resent, then the earlier link stops working and the new one works', async () => {
    const { invitation, token } = await invite({ email: uniqueEmail('resent'), role: 'viewer' });
    const res = await h.call('POST', `/api/v1/invitations/${invitation.id}/resend`, {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ send_count: 2, status: 'pending' });
    const fresh = tokenFrom(await h.smtp.next(invitation.email));
    expect(fresh).not.toBe(token);
    await refusedBecause(await accept(token), 'unknown');
    expect((await accept(fresh)).status).toBe(200);
    expect((await h.audit('auth.invitation_resent')).at(-1)?.resource_id).toBe(invitation.id);
  });

  it('when the address has an account or an open invitation, then inviting it again is a 409 naming email', async () => {
    const mine = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email: h.adminEmail, role: 'viewer' },
    });
    expect(mine.status).toBe(409);
    expect(await mine.json()).toMatchObject({ code: 'account_exists', field: 'email' });
    const email = uniqueEmail('twice');
    await invite({ email, role: 'viewer' });
    const again = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email, role: 'viewer' },
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'already_invited' });
  });

  it('when a body is wrong, then a 400 names the field; a non-admin cannot invite', async () => {
    const bad = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email: uniqueEmail('x'), role: 'owner' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'role' });
    const noMerchants = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email: uniqueEmail('x'), role: 'viewer', merchant_ids: [] },
    });
    expect(noMerchants.status).toBe(400);
    expect(await noMerchants.json()).toMatchObject({ field: 'merchant_ids' });
    const { token } = await invite({ email: uniqueEmail('viewer'), role: 'viewer' });
    const viewer = (await (await accept(token)).json()) as SignedInBody;
    const refused = await h.call('POST', '/api/v1/invitations', {
      token: viewer.accessToken,
      body: { email: uniqueEmail('y'), role: 'admin' },
    });
    expect(refused.status).toBe(403);
  });

  it('when sign-up is closed, then the only way in without an invitation is refused', async () => {
    const res = await h.call('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('self'), password: PASSWORD },
    });
    expect(res.status).toBe(403);
  });
});
