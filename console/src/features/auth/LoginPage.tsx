// Sign in with a password, or with Google (any OpenID Connect issuer) when the API says one is
// configured. After sign-in the user returns to the page they asked for (`?next=`).
import {
  ActionGroup,
  Alert,
  Button,
  Divider,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  LoginPage as PfLoginPage,
  TextInput,
  Flex,
} from '@patternfly/react-core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useLocalTheme } from '../../lib/preferences';
import { ThemeToggle } from '../../app/shell/ThemeToggle';

interface Providers {
  password: boolean;
  oidc: { id: string; name: string; login_url: string }[];
  /** A local demo only: its sign-in, filled in, and its mailbox. */
  demo?: { email?: string; password?: string; mailbox_url?: string };
}

/** Only same-origin paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'The email or password is not right.';
  if (err instanceof ApiError && err.status === 429)
    return 'Too many failed attempts. Wait a few minutes and try again.';
  return describeError(err);
}

/** The demo's sign-in, filled in once it is known, unless the person typed something already. */
function useDemoSignIn(
  providers: Providers | undefined,
  form: { email: string; password: string; setEmail: (v: string) => void; setPassword: (v: string) => void },
): void {
  const [filled, setFilled] = useState(false);
  const demo = providers?.demo;
  if (!demo?.email || filled) return;
  setFilled(true);
  if (form.email !== '' || form.password !== '') return;
  form.setEmail(demo.email);
  form.setPassword(demo.password ?? '');
}

function DemoNotice({ providers }: { providers: Providers | undefined }) {
  const demo = providers?.demo;
  if (!demo) return null;
  return (
    <Alert variant="info" isInline isPlain title="This is the local demo">
      {demo.email && <p>The demo administrator's sign-in is filled in: press Sign in.</p>}
      {demo.mailbox_url && (
        <p>
          Mail the product sends (verification, password reset, invitations) lands in the{' '}
          <a href={demo.mailbox_url} target="_blank" rel="noreferrer">
            demo mailbox
          </a>
          .
        </p>
      )}
    </Alert>
  );
}

export default function LoginPage() {
  const { status, signIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [theme, setTheme] = useLocalTheme();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);
  const providers = useQuery({
    queryKey: ['auth-providers'],
    queryFn: ({ signal }) => api.get<Providers>('/api/v1/auth/providers', undefined, signal),
    staleTime: Infinity,
    retry: false,
  });
  const next = safeNext(params.get('next'));
  useDemoSignIn(providers.data, { email, password, setEmail, setPassword });
  if (status === 'signed-in') return <Navigate to={next} replace />;

  const emailMissing = touched && email.trim() === '';
  const passwordMissing = touched && password === '';
  const submit = async (e: { preventDefault: () => void }) => {
    e.preventDefault();
    setTouched(true);
    if (!email.trim() || !password) return;
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email.trim(), password);
      void navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const oidc = providers.data?.oidc ?? [];
  const notice =
    params.get('verified') === '1'
      ? 'Your email address is verified. Sign in to continue.'
      : params.get('error');
  return (
    <PfLoginPage
      brandImgSrc="/favicon.svg"
      brandImgProps={{ alt: 'PayFlow', width: 48, height: 48 }}
      loginTitle="Sign in to PayFlow"
      loginSubtitle="Payments, alerts and system health, live."
      textContent="PayFlow is the payments control plane: every payment, the events that move it, the rules that watch it and the alerts they raise."
      footerListItems={
        <li>
          <ThemeToggle theme={theme} onChange={setTheme} />
        </li>
      }
    >
      {notice && (
        <Alert
          variant={params.get('verified') === '1' ? 'success' : 'danger'}
          isInline
          isPlain
          title={notice}
        />
      )}
      <DemoNotice providers={providers.data} />
      {error !== undefined && <Alert variant="danger" isInline title={messageOf(error)} aria-live="polite" />}
      <Form onSubmit={(e) => void submit(e)} noValidate>
        <FormGroup label="Email" isRequired fieldId="login-email">
          <TextInput
            id="login-email"
            type="email"
            autoComplete="username"
            isRequired
            value={email}
            validated={emailMissing ? 'error' : 'default'}
            onChange={(_e, v) => {
              setEmail(v);
            }}
          />
          {emailMissing && (
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant="error">Enter your email address.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          )}
        </FormGroup>
        <FormGroup label="Password" isRequired fieldId="login-password">
          <TextInput
            id="login-password"
            type="password"
            autoComplete="current-password"
            isRequired
            value={password}
            validated={passwordMissing ? 'error' : 'default'}
            onChange={(_e, v) => {
              setPassword(v);
            }}
          />
          {passwordMissing && (
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant="error">Enter your password.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          )}
        </FormGroup>
        <ActionGroup>
          <Button type="submit" isBlock isLoading={busy} isDisabled={busy}>
            Sign in
          </Button>
        </ActionGroup>
      </Form>
      {oidc.length > 0 && (
        <Flex direction={{ default: 'column' }} gap={{ default: 'gapMd' }} className="pf-v6-u-mt-lg">
          <Divider />
          {oidc.map((p) => (
            <Button key={p.id} variant="secondary" isBlock component="a" href={p.login_url}>
              Sign in with {p.name}
            </Button>
          ))}
        </Flex>
      )}
    </PfLoginPage>
  );
}
