// /setup: makes the first admin of a fresh install with the one-time setup token the API printed
// in its log (only while no admin exists), then signs them in.
import { ActionGroup, Alert, Button, Form } from '@patternfly/react-core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, describeError, request } from '../../lib/api';
import { SESSION_HEADER, useAuth, type SignedIn } from '../../lib/auth';
import { AccessLayout } from './AccessLayout';
import { Field, PASSWORD_MIN } from './PasswordFields';

type Draft = Record<'token' | 'email' | 'name' | 'password', string>;

function check(d: Draft): Partial<Draft> {
  return {
    ...(d.token.trim().length < 16 ? { token: 'Paste the setupToken from the API log.' } : {}),
    ...(!/^\S+@\S+\.\S+$/.test(d.email.trim()) ? { email: 'Enter an email address.' } : {}),
    ...(d.name.trim() === '' ? { name: 'Enter a name.' } : {}),
    ...(d.password.length < PASSWORD_MIN
      ? { password: `Use at least ${String(PASSWORD_MIN)} characters.` }
      : {}),
  };
}

export default function SetupPage() {
  const { adopt } = useAuth();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>({ token: '', email: '', name: '', password: '' });
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const local = touched ? check(draft) : {};
  const fromApi = (f: keyof Draft) => (error instanceof ApiError ? error.issueFor(f) : undefined);
  const set = (k: keyof Draft) => (v: string) => {
    setDraft((d) => ({ ...d, [k]: v }));
  };
  const submit = async (e: { preventDefault: () => void }) => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(check(draft)).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      adopt(
        await request<SignedIn>('/api/v1/auth/setup', {
          method: 'POST',
          body: {
            token: draft.token.trim(),
            email: draft.email.trim(),
            name: draft.name.trim(),
            password: draft.password,
          },
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
  const exists = error instanceof ApiError && error.status === 409;
  return (
    <AccessLayout title="Set up PayFlow" subtitle="Make the first admin of this install.">
      {exists ? (
        <Alert variant="info" isInline title="This install has an admin already">
          Setup tokens stop working once an admin exists. <Link to="/login">Sign in</Link>, or ask an admin
          for an invitation.
        </Alert>
      ) : (
        error !== undefined &&
        !fromApi('token') && (
          <Alert variant="danger" isInline title="The admin was not made" aria-live="polite">
            {describeError(error)}
          </Alert>
        )
      )}
      <Form onSubmit={(e) => void submit(e)} noValidate aria-label="Make the first admin">
        <Field
          id="setup-token"
          label="Setup token"
          value={draft.token}
          error={local.token ?? fromApi('token')}
          help="Printed once in the API's log at start (setupToken) while no admin exists."
          onChange={set('token')}
        />
        <Field
          id="setup-email"
          label="Email"
          type="email"
          autoComplete="username"
          value={draft.email}
          error={local.email ?? fromApi('email')}
          onChange={set('email')}
        />
        <Field
          id="setup-name"
          label="Name"
          autoComplete="name"
          value={draft.name}
          error={local.name ?? fromApi('name')}
          onChange={set('name')}
        />
        <Field
          id="setup-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={draft.password}
          error={local.password ?? fromApi('password')}
          help={`At least ${String(PASSWORD_MIN)} characters.`}
          onChange={set('password')}
        />
        <ActionGroup>
          <Button type="submit" isBlock isLoading={busy} isDisabled={busy}>
            Make the admin and sign in
          </Button>
        </ActionGroup>
      </Form>
    </AccessLayout>
  );
}
