// API keys (admins only): keys for machine clients, each with a role and the merchants it may
// read. A new key is shown once, with a copy button, and only its hash is kept; revoking one or
// changing its merchants applies from its next request.
import {
  ActionGroup,
  Alert,
  Button,
  ClipboardCopy,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { TableBodyState } from '../../../components/TableStates';
import { Timestamp } from '../../../components/Timestamp';
import { Toasts, useToasts } from '../../../components/Toasts';
import { ApiError, api, describeError } from '../../../lib/api';
import { useCompact } from '../../../lib/preferences';
import { merchantsText, parseMerchants } from '../../../lib/merchants';
import { MerchantsField, MerchantsModal } from './MerchantsField';
import { ROLES, type Role } from '../../../lib/roles';
import { ActiveLabel } from './ActiveLabel';
import { AdminSection } from './AdminOnly';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** The merchants the key is limited to; null: every merchant. */
  merchant_ids: string[] | null;
}

export const KEYS_KEY = ['api-keys'] as const;
const COLUMNS = 8;
const NAME_MAX = 200;
const ROLE_TEXT: Record<Role, string> = {
  viewer: 'Viewer — reads only',
  operator: 'Operator — acts on payments, alerts and jobs',
  admin: 'Admin — everything, including users and keys',
};

interface Draft {
  name: string;
  role: Role;
  merchants?: string;
}

export function validateKey(d: Draft): Partial<Record<keyof Draft, string>> {
  const name = d.name.trim();
  if (!name) return { name: 'Name the key after the client that will use it.' };
  if (name.length > NAME_MAX) return { name: `Must be at most ${String(NAME_MAX)} characters.` };
  return {};
}

function CreateForm({
  onCreated,
  onCancel,
}: {
  onCreated: (k: ApiKey & { key: string }) => void;
  onCancel: () => void;
}) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>({ name: '', role: 'viewer' });
  const [shown, setShown] = useState<Partial<Record<keyof Draft, string>>>({});
  const create = useMutation({
    mutationFn: (d: Draft) =>
      api.post<ApiKey & { key: string }>('/api/v1/api-keys', {
        name: d.name.trim(),
        role: d.role,
        merchant_ids: d.role === 'admin' ? null : parseMerchants(d.merchants ?? ''),
      }),
    onSuccess: async (k) => {
      onCreated(k);
      await client.invalidateQueries({ queryKey: KEYS_KEY });
    },
    onError: (err) => {
      if (err instanceof ApiError) setShown({ name: err.issueFor('name'), role: err.issueFor('role') });
    },
  });
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    const errors = validateKey(draft);
    setShown(errors);
    if (Object.keys(errors).length === 0 && !create.isPending) create.mutate(draft);
  };
  const fieldError = shown.name ?? shown.role;
  return (
    <Form id="create-key-form" onSubmit={submit} noValidate aria-label="Create API key">
      {create.error && !fieldError && (
        <Alert isInline variant="danger" title="The key was not created">
          {describeError(create.error)}
        </Alert>
      )}
      <FormGroup label="Name" fieldId="key-name" isRequired>
        <TextInput
          id="key-name"
          value={draft.name}
          isRequired
          validated={shown.name ? 'error' : 'default'}
          aria-invalid={shown.name ? true : undefined}
          aria-describedby="key-name-help"
          onChange={(_e, v) => {
            setDraft((d) => ({ ...d, name: v }));
            setShown((s) => ({ ...s, name: undefined }));
          }}
        />
        <FormHelperText>
          <HelperText id="key-name-help">
            <HelperTextItem variant={shown.name ? 'error' : 'default'}>
              {shown.name ?? 'Who uses it, e.g. “settlement importer”.'}
            </HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
      <FormGroup label="Role" fieldId="key-role" isRequired>
        <FormSelect
          id="key-role"
          value={draft.role}
          validated={shown.role ? 'error' : 'default'}
          aria-describedby="key-role-help"
          onChange={(_e, v) => {
            setDraft((d) => ({ ...d, role: v as Role }));
          }}
        >
          {ROLES.map((r) => (
            <FormSelectOption key={r} value={r} label={ROLE_TEXT[r]} />
          ))}
        </FormSelect>
        <FormHelperText>
          <HelperText id="key-role-help">
            <HelperTextItem variant={shown.role ? 'error' : 'default'}>
              {shown.role ?? 'The least the client needs.'}
            </HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
      <MerchantsField
        id="key-merchants"
        admin={draft.role === 'admin'}
        value={draft.merchants ?? ''}
        error={create.error instanceof ApiError ? create.error.issueFor('merchant_ids') : undefined}
        onChange={(v) => {
          setDraft((d) => ({ ...d, merchants: v }));
        }}
      />
      <ActionGroup>
        <Button type="submit" variant="primary" isLoading={create.isPending} isDisabled={create.isPending}>
          Create key
        </Button>
        <Button variant="link" onClick={onCancel}>
          Cancel
        </Button>
      </ActionGroup>
    </Form>
  );
}

function CreateModal({ onClose }: { onClose: () => void }) {
  const [created, setCreated] = useState<(ApiKey & { key: string }) | undefined>();
  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="create-key-title">
      <ModalHeader title={created ? 'Copy your new key now' : 'Create API key'} labelId="create-key-title" />
      <ModalBody>
        {created ? (
          <>
            <Alert isInline variant="warning" title="This is the only time the key is shown">
              PayFlow keeps only a hash of it. Store it in your client&apos;s secret store; if it is lost,
              revoke it and create another.
            </Alert>
            <p className="pf-v6-u-mt-md">
              <strong>{created.name}</strong> ({created.role}):
            </p>
            <ClipboardCopy
              isReadOnly
              hoverTip="Copy"
              clickTip="Copied"
              textAriaLabel="New API key"
              toggleAriaLabel="Show the whole key"
              className="pf-v6-u-mt-sm"
            >
              {created.key}
            </ClipboardCopy>
            <p className="pf-v6-u-mt-md payflow-settings-muted">
              Send it as <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key: &lt;key&gt;</code>
              .
            </p>
          </>
        ) : (
          <CreateForm onCreated={setCreated} onCancel={onClose} />
        )}
      </ModalBody>
      {created && (
        <ModalFooter>
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        </ModalFooter>
      )}
    </Modal>
  );
}

function RevokeModal({ apiKey, onClose }: { apiKey: ApiKey; onClose: (revoked: boolean) => void }) {
  const client = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => api.delete(`/api/v1/api-keys/${encodeURIComponent(apiKey.id)}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: KEYS_KEY });
      onClose(true);
    },
  });
  return (
    <Modal
      isOpen
      variant="small"
      onClose={() => {
        onClose(false);
      }}
      aria-labelledby="revoke-key-title"
      aria-describedby="revoke-key-body"
    >
      <ModalHeader title={`Revoke ${apiKey.name}?`} titleIconVariant="warning" labelId="revoke-key-title" />
      <ModalBody id="revoke-key-body">
        <p>
          The API refuses <code>{apiKey.prefix}…</code> from its next request on. A client still using it
          stops working; this cannot be undone.
        </p>
        {revoke.error && (
          <Alert isInline variant="danger" title="The key was not revoked" className="pf-v6-u-mt-md">
            {describeError(revoke.error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button
          variant="danger"
          isLoading={revoke.isPending}
          isDisabled={revoke.isPending}
          onClick={() => {
            revoke.mutate();
          }}
        >
          Revoke key
        </Button>
        <Button
          variant="link"
          onClick={() => {
            onClose(false);
          }}
        >
          Keep it
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function MerchantsCell({ apiKey, onMerchants }: { apiKey: ApiKey; onMerchants: (k: ApiKey) => void }) {
  if (apiKey.role === 'admin') return <span className="payflow-settings-muted">All (admin)</span>;
  // A revoked key is refused whatever its merchants; they are shown, not changed.
  if (apiKey.revoked_at) return <>{merchantsText(apiKey.merchant_ids)}</>;
  return (
    <Button
      variant="link"
      isInline
      aria-label={`Merchants of ${apiKey.name}: ${merchantsText(apiKey.merchant_ids)}; change`}
      onClick={() => {
        onMerchants(apiKey);
      }}
    >
      {merchantsText(apiKey.merchant_ids)}
    </Button>
  );
}

function KeyRow({
  apiKey,
  onRevoke,
  onMerchants,
}: {
  apiKey: ApiKey;
  onRevoke: (k: ApiKey) => void;
  onMerchants: (k: ApiKey) => void;
}) {
  return (
    <Tr>
      <Td dataLabel="Name">{apiKey.name}</Td>
      <Td dataLabel="Role">{apiKey.role}</Td>
      <Td dataLabel="Merchants">
        <MerchantsCell apiKey={apiKey} onMerchants={onMerchants} />
      </Td>
      <Td dataLabel="Key">
        <code>{apiKey.prefix}…</code>
      </Td>
      <Td dataLabel="Created">
        <Timestamp value={apiKey.created_at} />
      </Td>
      <Td dataLabel="Last used">
        {apiKey.last_used_at ? <Timestamp value={apiKey.last_used_at} relative /> : 'Never'}
      </Td>
      <Td dataLabel="Status">
        <ActiveLabel ended={apiKey.revoked_at ? 'Revoked' : undefined} />
      </Td>
      <Td dataLabel="Action">
        {!apiKey.revoked_at && (
          <Button
            variant="secondary"
            isDanger
            size="sm"
            aria-label={`Revoke ${apiKey.name}`}
            onClick={() => {
              onRevoke(apiKey);
            }}
          >
            Revoke
          </Button>
        )}
      </Td>
    </Tr>
  );
}

function KeysTable({ creating, onCreated }: { creating: boolean; onCreated: () => void }) {
  const compact = useCompact();
  const { toasts, push, dismiss } = useToasts();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const [scoping, setScoping] = useState<ApiKey | undefined>();
  const client = useQueryClient();
  const keys = useQuery({
    queryKey: KEYS_KEY,
    queryFn: ({ signal }) => api.get<{ data: ApiKey[] }>('/api/v1/api-keys', undefined, signal),
  });
  // The API audits the change (auth.api_key_scoped) and applies it from the key's next request.
  const scope = useMutation({
    mutationFn: ({ apiKey, merchant_ids }: { apiKey: ApiKey; merchant_ids: string[] | null }) =>
      api.patch<ApiKey>(`/api/v1/api-keys/${encodeURIComponent(apiKey.id)}`, { merchant_ids }),
    onSuccess: async (after) => {
      setScoping(undefined);
      push({
        variant: 'success',
        title: `${after.name} reads ${merchantsText(after.merchant_ids).toLowerCase()}`,
      });
      client.setQueryData<{ data: ApiKey[] }>(KEYS_KEY, (page) =>
        page ? { data: page.data.map((k) => (k.id === after.id ? after : k)) } : page,
      );
      await client.invalidateQueries({ queryKey: KEYS_KEY });
    },
  });
  const rows = keys.data?.data ?? [];
  return (
    <>
      <Toasts toasts={toasts} dismiss={dismiss} />
      <Table aria-label="API keys" variant={compact ? 'compact' : undefined} role="table">
        <Thead>
          <Tr>
            <Th>Name</Th>
            <Th>Role</Th>
            <Th>Merchants</Th>
            <Th>Key</Th>
            <Th>Created</Th>
            <Th>Last used</Th>
            <Th>Status</Th>
            <Th screenReaderText="Action" />
          </Tr>
        </Thead>
        <Tbody>
          <TableBodyState
            columns={COLUMNS}
            isLoading={keys.isPending}
            error={keys.error}
            isEmpty={rows.length === 0}
            filtered={false}
            onRetry={() => void keys.refetch()}
            emptyTitle="No API keys"
            emptyBody="Machine clients sign in with a key; create one for each client."
          >
            {rows.map((k) => (
              <KeyRow key={k.id} apiKey={k} onRevoke={setRevoking} onMerchants={setScoping} />
            ))}
          </TableBodyState>
        </Tbody>
      </Table>
      {creating && <CreateModal onClose={onCreated} />}
      {scoping && (
        <MerchantsModal
          title={`Merchants of ${scoping.name}`}
          description="Limit what this key reads to some merchants: payments, alerts, exports and aggregates. Empty: every merchant. The change applies from the key's next request, and is audited."
          merchantIds={scoping.merchant_ids}
          busy={scope.isPending}
          error={scope.error}
          onSave={(ids) => {
            scope.mutate({ apiKey: scoping, merchant_ids: ids });
          }}
          onClose={() => {
            setScoping(undefined);
            scope.reset();
          }}
        />
      )}
      {revoking && (
        <RevokeModal
          apiKey={revoking}
          onClose={(revoked) => {
            if (revoked) push({ variant: 'success', title: `${revoking.name} was revoked` });
            setRevoking(undefined);
          }}
        />
      )}
    </>
  );
}

export default function ApiKeysPage() {
  const [creating, setCreating] = useState(false);
  return (
    <AdminSection
      title="API keys"
      description="Keys for machine clients, each with a role and the merchants it reads. A new key is shown once; revoking one, or changing its merchants, applies from its next request. Every change is audited."
      actions={
        <Button
          variant="primary"
          onClick={() => {
            setCreating(true);
          }}
        >
          Create API key
        </Button>
      }
    >
      <KeysTable
        creating={creating}
        onCreated={() => {
          setCreating(false);
        }}
      />
    </AdminSection>
  );
}
