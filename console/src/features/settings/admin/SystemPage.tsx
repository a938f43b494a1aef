// System settings (admins only): the few settings that are safe to change while PayFlow runs,
// stored in Postgres and audited. Everything else (keys, URLs, limits) is configured by the
// environment and needs a deploy.
import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  Content,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Skeleton,
  TextInput,
} from '@patternfly/react-core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { ErrorState } from '../../../components/ErrorState';
import { Timestamp } from '../../../components/Timestamp';
import { ApiError, api, describeError } from '../../../lib/api';
import { AdminSection } from './AdminOnly';

export interface SystemSettings {
  session_lifetime_hours: number;
  default_alert_assignee: { id: string; name: string; email: string } | null;
  defaults: { session_lifetime_hours: number };
  updated_at: string | null;
  updated_by: string | null;
}

interface Person {
  id: string;
  name: string;
  email: string;
}

export const SETTINGS_KEY = ['system-settings'] as const;
export const HOURS_MIN = 1;
export const HOURS_MAX = 2160;

interface Draft {
  hours: string;
  assignee: string;
}

type Errors = Partial<Record<keyof Draft, string>>;

export function validateSettings(d: Draft): Errors {
  const n = Number(d.hours);
  if (d.hours.trim() === '' || !Number.isInteger(n)) return { hours: 'Enter a whole number of hours.' };
  if (n < HOURS_MIN || n > HOURS_MAX)
    return { hours: `Between ${String(HOURS_MIN)} hour and ${String(HOURS_MAX)} hours (90 days).` };
  return {};
}

function days(hours: number): string {
  if (hours < 48) return `${String(hours)} hours`;
  const d = hours / 24;
  return Number.isInteger(d) ? `${String(d)} days` : `${String(hours)} hours`;
}

function HoursField({
  value,
  error,
  defaults,
  onChange,
}: {
  value: string;
  error: string | undefined;
  defaults: number;
  onChange: (v: string) => void;
}) {
  return (
    <FormGroup label="Session lifetime (hours)" fieldId="system-hours" isRequired>
      <TextInput
        id="system-hours"
        type="number"
        inputMode="numeric"
        min={HOURS_MIN}
        max={HOURS_MAX}
        value={value}
        isRequired
        validated={error ? 'error' : 'default'}
        aria-invalid={error ? true : undefined}
        aria-describedby="system-hours-help"
        onChange={(_e, v) => {
          onChange(v);
        }}
      />
      <FormHelperText>
        <HelperText id="system-hours-help">
          <HelperTextItem variant={error ? 'error' : 'default'}>
            {error ??
              `How long a sign-in lasts before the person must sign in again (${days(Number(value) || 0)}). Applies to sign-ins from now on; sessions already open keep their end. Default: ${days(defaults)}.`}
          </HelperTextItem>
        </HelperText>
      </FormHelperText>
      {Number(value) !== defaults && (
        <Button
          variant="link"
          isInline
          onClick={() => {
            onChange(String(defaults));
          }}
        >
          Use the default ({days(defaults)})
        </Button>
      )}
    </FormGroup>
  );
}

function AssigneeField({
  value,
  error,
  current,
  people,
  onChange,
}: {
  value: string;
  error: string | undefined;
  current: SystemSettings['default_alert_assignee'];
  people: Person[] | undefined;
  onChange: (v: string) => void;
}) {
  const options = people ?? [];
  const listed = current === null || options.some((p) => p.id === current.id);
  return (
    <FormGroup label="Default alert assignee" fieldId="system-assignee">
      <FormSelect
        id="system-assignee"
        value={value}
        validated={error ? 'error' : 'default'}
        aria-describedby="system-assignee-help"
        isDisabled={people === undefined}
        onChange={(_e, v) => {
          onChange(v);
        }}
      >
        <FormSelectOption value="" label="Nobody (alerts start unassigned)" />
        {!listed && (
          <FormSelectOption
            value={current.id}
            label={`${current.name || current.email} (${current.email})`}
          />
        )}
        {options.map((p) => (
          <FormSelectOption key={p.id} value={p.id} label={`${p.name || p.email} (${p.email})`} />
        ))}
      </FormSelect>
      <FormHelperText>
        <HelperText id="system-assignee-help">
          <HelperTextItem variant={error ? 'error' : 'default'}>
            {error ??
              'New alerts a rule raises go to this person (an active operator or admin) until someone reassigns them.'}
          </HelperTextItem>
        </HelperText>
      </FormHelperText>
    </FormGroup>
  );
}

function SettingsForm({ settings }: { settings: SystemSettings }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>({
    hours: String(settings.session_lifetime_hours),
    assignee: settings.default_alert_assignee?.id ?? '',
  });
  const [shown, setShown] = useState<Errors>({});
  const [saved, setSaved] = useState(false);
  const people = useQuery({
    queryKey: ['users', 'directory'],
    queryFn: ({ signal }) => api.get<{ data: Person[] }>('/api/v1/users/directory', { limit: 50 }, signal),
  });
  const save = useMutation({
    mutationFn: (d: Draft) =>
      api.patch<SystemSettings>('/api/v1/settings', {
        session_lifetime_hours: Number(d.hours),
        default_alert_assignee: d.assignee || null,
      }),
    onSuccess: (after) => {
      client.setQueryData(SETTINGS_KEY, after);
      setSaved(true);
    },
    onError: (err) => {
      if (err instanceof ApiError)
        setShown({
          hours: err.issueFor('session_lifetime_hours'),
          assignee: err.issueFor('default_alert_assignee'),
        });
    },
  });
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    const errors = validateSettings(draft);
    setShown(errors);
    setSaved(false);
    if (Object.keys(errors).length === 0 && !save.isPending) save.mutate(draft);
  };
  const edit = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setShown({});
    setSaved(false);
  };
  const options = people.data?.data ?? [];
  const fieldError = shown.hours ?? shown.assignee;
  const by = options.find((p) => p.id === settings.updated_by);
  return (
    <Form onSubmit={submit} noValidate aria-label="System settings" className="payflow-admin-form">
      {saved && (
        <Alert isInline variant="success" title="Settings saved">
          They apply from now on; the change is in the audit log.
        </Alert>
      )}
      {save.error && !fieldError && (
        <Alert isInline variant="danger" title="The settings were not saved">
          {describeError(save.error)}
        </Alert>
      )}
      <HoursField
        value={draft.hours}
        error={shown.hours}
        defaults={settings.defaults.session_lifetime_hours}
        onChange={(hours) => {
          edit({ hours });
        }}
      />
      <AssigneeField
        value={draft.assignee}
        error={shown.assignee}
        current={settings.default_alert_assignee}
        people={people.data?.data}
        onChange={(assignee) => {
          edit({ assignee });
        }}
      />
      <ActionGroup>
        <Button type="submit" variant="primary" isLoading={save.isPending} isDisabled={save.isPending}>
          Save settings
        </Button>
      </ActionGroup>
      {settings.updated_at && (
        <Content component="small" className="payflow-settings-muted">
          Last changed <Timestamp value={settings.updated_at} /> by{' '}
          {by ? by.name || by.email : (settings.updated_by ?? 'the system')}.
        </Content>
      )}
    </Form>
  );
}

export default function SystemPage() {
  return (
    <AdminSection
      title="System settings"
      description="The settings that are safe to change while PayFlow runs. Everything else (signing keys, URLs, rate limits, queues) comes from the environment and changes with a deploy. Every change is audited."
    >
      <SystemSettingsCard />
    </AdminSection>
  );
}

function SystemSettingsCard() {
  const settings = useQuery({
    queryKey: SETTINGS_KEY,
    queryFn: ({ signal }) => api.get<SystemSettings>('/api/v1/settings', undefined, signal),
  });
  let body;
  if (settings.isPending) body = <Skeleton height="14rem" screenreaderText="Loading the system settings" />;
  else if (settings.error)
    body = (
      <ErrorState
        error={settings.error}
        onRetry={() => void settings.refetch()}
        title="Could not load the system settings"
      />
    );
  else body = <SettingsForm settings={settings.data} />;
  return (
    <Card>
      <CardBody>{body}</CardBody>
    </Card>
  );
}
