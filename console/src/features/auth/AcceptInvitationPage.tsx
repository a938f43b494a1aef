// /accept-invitation?token=…: the page an invitation's mail links to. It shows the invited address
// and role, then makes the account with a name and password (or by signing in with Google, which
// must confirm the same address); the address is verified in the same step and the person is
// signed in.
import { ActionGroup, Alert, Button, Divider, Flex, Form } from '@patternfly/react-core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, describeError, request } from '../../lib/api';
import { SESSION_HEADER, useAuth, type SignedIn } from '../../lib/auth';
import { AccessLayout } from './AccessLayout';
import { Field, PASSWORD_MIN } from './PasswordFields';

interface Preview {
  email: string;
  role: string;
  expires_at: string;
}
interface Providers {
  oidc: { id: string; name: string; login_url: string }[];
}

function DeadLink({ error }: { error: unknown }) {
  const unexpected = error !== null && !(error instanceof ApiError && error.status === 400);
  return (
    <AccessLayout
      title="This invitation link does not work"
      subtitle="Ask the admin who invited you for a new one."
    >
      <Alert variant="danger" isInline title="The link is invalid, already used, revoked or expired">
        {unexpected
          ? describeError(error)
          : 'Invitations work once and expire. An admin can resend yours from Settings → Users.'}
      </Alert>
      <p className="pf-v6-u-mt-lg">
        <Link to="/login">Go to sign-in</Link>
      </p>
    </AccessLayout>
  );
}

function passwordIssue(touched: boolean, password: string, error: unknown): string | undefined {
  if (touched && password.length < PASSWORD_MIN) return `Use at least ${String(PASSWORD_MIN)} characters.`;
  return error instanceof ApiError ? error.issueFor('password') : undefined;
}

function OidcAccept({ token, providers }: { token: string; providers: Providers['oidc'] }) {
  if (providers.length === 0) return null;
  return (
    <Flex direction={{ default: 'column' }} gap={{ default: 'gapMd' }} className="pf-v6-u-mt-lg">
      <Divider />
      {providers.map((p) => (
        <Button
          key={p.id}
          variant="secondary"
          isBlock
          component="a"
          href={`${p.login_url}?invitation=${encodeURIComponent(token)}`}
        >
          Accept with {p.name}
        </Button>
      ))}
    </Flex>
  );
}

export default function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { adopt } = useAuth();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api.post<Preview>('/api/v1/auth/invitation', { token }, { auth: false }),
    enabled: token.length >= 16,
    retry: false,
    staleTime: Infinity,
  });
  const providers = useQuery({
    queryKey: ['auth-providers'],
    queryFn: ({ signal }) => api.get<Providers>('/api/v1/auth/providers', undefined, signal),
    staleTime: Infinity,
    retry: false,
  });
  const nameError = touched && name.trim() === '' ? 'Enter your name.' : undefined;
  const passwordError = passwordIssue(touched, password, error);
  const submit = async (e: { preventDefault: () => void }) => {
    e.preventDefault();
    setTouched(true);
    if (name.trim() === '' || password.length < PASSWORD_MIN) return;
    setBusy(true);
    setError(undefined);
    try {
      adopt(
        await request<SignedIn>('/api/v1/auth/accept-invitation', {
          method: 'POST',
          body: { token, name: name.trim(), password },
          headers: SESSION_HEADER,
          auth: false,
        }),
      );
      void navigate('/', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (token.length < 16 || preview.isError) return <DeadLink error={preview.error} />;
  const oidc = providers.data?.oidc ?? [];
  return (
    <AccessLayout
      title="Join PayFlow"
      subtitle={preview.data ? `You are invited as ${preview.data.role}.` : 'Checking your invitation…'}
    >
      {error !== undefined && !(error instanceof ApiError && error.issueFor('password')) && (
        <Alert variant="danger" isInline title="The account was not made" aria-live="polite">
          {describeError(error)}
        </Alert>
      )}
      <Form onSubmit={(e) => void submit(e)} noValidate aria-label="Accept the invitation">
        <Field
          id="invite-email"
          label="Email"
          type="email"
          value={preview.data?.email ?? ''}
          error={undefined}
          help="The invited address; it is verified by accepting."
          readOnly
          onChange={() => undefined}
        />
        <Field
          id="invite-name"
          label="Your name"
          autoComplete="name"
          value={name}
          error={nameError}
          onChange={setName}
        />
        <Field
          id="invite-password"
          label="Choose a password"
          type="password"
          autoComplete="new-password"
          value={password}
          error={passwordError}
          help={`At least ${String(PASSWORD_MIN)} characters.`}
          onChange={setPassword}
        />
        <ActionGroup>
          <Button type="submit" isBlock isLoading={busy} isDisabled={busy || !preview.data}>
            Accept and sign in
          </Button>
        </ActionGroup>
      </Form>
      <OidcAccept token={token} providers={oidc} />
    </AccessLayout>
  );
}
