// Change password. The API checks the current password, ends every session of the account and
// answers a new one; in cookie mode (X-PayFlow-Session: cookie) it rotates the console's refresh
// cookie, and the new access token is adopted here (the old one no longer works).
import {
  ActionGroup,
  Alert,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  TextInput,
} from '@patternfly/react-core';
import { useMutation } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { ApiError, describeError, request } from '../../lib/api';
import { useAuth, type SignedIn } from '../../lib/auth';

/** The API's limits (api/src/auth/passwords.ts). */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

interface Fields {
  current: string;
  next: string;
  confirm: string;
}

type Errors = Partial<Record<keyof Fields, string>>;

export function validate(f: Fields): Errors {
  const errors: Errors = {};
  if (!f.current) errors.current = 'Enter your current password.';
  if (f.next.length < PASSWORD_MIN) errors.next = `Must be at least ${String(PASSWORD_MIN)} characters.`;
  else if (f.next.length > PASSWORD_MAX) errors.next = `Must be at most ${String(PASSWORD_MAX)} characters.`;
  else if (f.next === f.current) errors.next = 'Choose a password different from the current one.';
  if (f.confirm !== f.next) errors.confirm = 'Does not match the new password.';
  return errors;
}

function changePassword(f: Fields): Promise<SignedIn> {
  return request<SignedIn>('/api/v1/auth/change-password', {
    method: 'POST',
    body: { currentPassword: f.current, newPassword: f.next },
    headers: { 'X-PayFlow-Session': 'cookie' },
  });
}

function serverErrors(err: unknown): Errors {
  if (!(err instanceof ApiError)) return {};
  const out: Errors = {};
  const current = err.issueFor('currentPassword');
  const next = err.issueFor('newPassword');
  if (current) out.current = current;
  if (next) out.next = next;
  return out;
}

function Field({
  id,
  label,
  value,
  error,
  help,
  autoComplete,
  onChange,
}: {
  id: keyof Fields;
  label: string;
  value: string;
  error: string | undefined;
  help?: string;
  autoComplete: string;
  onChange: (v: string) => void;
}) {
  const helpId = `password-${id}-help`;
  return (
    <FormGroup label={label} fieldId={`password-${id}`} isRequired>
      <TextInput
        id={`password-${id}`}
        type="password"
        value={value}
        isRequired
        autoComplete={autoComplete}
        validated={error ? 'error' : 'default'}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || help ? helpId : undefined}
        onChange={(_e, v) => {
          onChange(v);
        }}
      />
      {(error ?? help) && (
        <FormHelperText>
          <HelperText id={helpId}>
            <HelperTextItem variant={error ? 'error' : 'default'}>{error ?? help}</HelperTextItem>
          </HelperText>
        </FormHelperText>
      )}
    </FormGroup>
  );
}

const EMPTY: Fields = { current: '', next: '', confirm: '' };

export function ChangePasswordForm() {
  const { adopt } = useAuth();
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [shown, setShown] = useState<Errors>({});
  const [done, setDone] = useState(false);
  const mutation = useMutation({
    mutationFn: changePassword,
    onSuccess: (session) => {
      adopt(session);
      setFields(EMPTY);
      setShown({});
      setDone(true);
    },
    onError: (err) => {
      setShown(serverErrors(err));
    },
  });

  const set = (key: keyof Fields) => (v: string) => {
    setFields((f) => ({ ...f, [key]: v }));
    setDone(false);
    // A corrected field stops showing its message; the others keep theirs until the next submit.
    setShown((s) => ({ ...s, [key]: undefined }));
  };

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (mutation.isPending) return;
    const errors = validate(fields);
    setShown(errors);
    if (Object.keys(errors).length === 0) mutation.mutate(fields);
  };

  const err = mutation.error;
  const fieldError =
    err instanceof ApiError && (err.issueFor('currentPassword') ?? err.issueFor('newPassword'));
  return (
    <Form onSubmit={submit} noValidate aria-label="Change password" className="payflow-profile-form">
      {done && (
        <Alert variant="success" isInline title="Your password was changed">
          Every other session of your account was signed out; this one stays signed in.
        </Alert>
      )}
      {err && !fieldError && (
        <Alert variant="danger" isInline title="The password was not changed">
          {describeError(err)}
        </Alert>
      )}
      <Field
        id="current"
        label="Current password"
        value={fields.current}
        error={shown.current}
        autoComplete="current-password"
        onChange={set('current')}
      />
      <Field
        id="next"
        label="New password"
        value={fields.next}
        error={shown.next}
        help={`At least ${String(PASSWORD_MIN)} characters.`}
        autoComplete="new-password"
        onChange={set('next')}
      />
      <Field
        id="confirm"
        label="Confirm new password"
        value={fields.confirm}
        error={shown.confirm}
        autoComplete="new-password"
        onChange={set('confirm')}
      />
      <ActionGroup>
        <Button
          type="submit"
          variant="primary"
          isLoading={mutation.isPending}
          isDisabled={mutation.isPending}
        >
          Change password
        </Button>
      </ActionGroup>
    </Form>
  );
}
