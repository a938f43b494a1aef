// Your display name, as others see it (alert assignees, the audit log). The email is how you sign
// in and is not changed here.
import {
  ActionGroup,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  TextInput,
} from '@patternfly/react-core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { ApiError, api, describeError } from '../../lib/api';
import { keys } from '../../lib/query';

/** The API's limit (api/src/ops/users.ts NAME_MAX). */
export const NAME_MAX = 200;

export function validateName(name: string): string | undefined {
  const t = name.trim();
  if (!t) return 'Enter a name.';
  if (t.length > NAME_MAX) return `Must be at most ${String(NAME_MAX)} characters.`;
  return undefined;
}

export function NameForm({ name }: { name: string }) {
  const client = useQueryClient();
  const [value, setValue] = useState(name);
  const [shown, setShown] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (next: string) => api.patch<{ name: string }>('/api/v1/users/me', { name: next.trim() }),
    onSuccess: async (me) => {
      setValue(me.name);
      setSaved(true);
      await client.invalidateQueries({ queryKey: keys.me });
    },
    onError: (err) => {
      setShown(err instanceof ApiError ? (err.issueFor('name') ?? describeError(err)) : describeError(err));
    },
  });
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    const error = validateName(value);
    setShown(error);
    setSaved(false);
    if (!error && !save.isPending) save.mutate(value);
  };
  const unchanged = value.trim() === name;
  let help = 'How others see you: on alerts you are assigned and in the audit log.';
  if (saved && unchanged) help = 'Saved.';
  return (
    <Form onSubmit={submit} noValidate aria-label="Change name" className="payflow-profile-form">
      <FormGroup label="Name" fieldId="profile-name" isRequired>
        <TextInput
          id="profile-name"
          value={value}
          isRequired
          autoComplete="name"
          validated={shown ? 'error' : 'default'}
          aria-invalid={shown ? true : undefined}
          aria-describedby="profile-name-help"
          onChange={(_e, v) => {
            setValue(v);
            setShown(undefined);
            setSaved(false);
          }}
        />
        <FormHelperText>
          <HelperText id="profile-name-help">
            <HelperTextItem variant={shown ? 'error' : saved && unchanged ? 'success' : 'default'}>
              {shown ?? help}
            </HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
      <ActionGroup>
        <Button
          type="submit"
          variant="secondary"
          isLoading={save.isPending}
          isDisabled={save.isPending || unchanged}
        >
          Save name
        </Button>
      </ActionGroup>
    </Form>
  );
}
