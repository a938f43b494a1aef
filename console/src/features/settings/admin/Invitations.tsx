// Invitations (admins, on the Users page): invite an address with a role and, optionally, the
// merchants it is limited to; the list shows each invitation's state with resend and revoke.
import {
  ActionGroup,
  Alert,
  Button,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Label,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { TableBodyState } from '../../../components/TableStates';
import { Timestamp } from '../../../components/Timestamp';
import type { useToasts } from '../../../components/Toasts';
import { ApiError, api, describeError } from '../../../lib/api';
import { merchantsText, parseMerchants } from '../../../lib/merchants';
import { useCompact } from '../../../lib/preferences';
import { MerchantsField } from './MerchantsField';
import { ROLES, type Role } from '../../../lib/roles';

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  merchant_ids: string[] | null;
  status: 'pending' | 'expired' | 'accepted' | 'revoked';
  created_at: string;
  expires_at: string;
  sent_at: string;
  send_count: number;
}

const KEY = ['invitations'] as const;
const ROLE_WORDS: Record<Role, string> = { viewer: 'Viewer', operator: 'Operator', admin: 'Admin' };
const STATUS: Record<
  Invitation['status'],
  { text: string; status?: 'success' | 'warning' | 'danger' | 'info' }
> = {
  pending: { text: 'Pending', status: 'info' },
  expired: { text: 'Expired', status: 'warning' },
  accepted: { text: 'Accepted', status: 'success' },
  revoked: { text: 'Revoked' },
};

type Push = ReturnType<typeof useToasts>['push'];

function InviteForm({ push }: { push: Push }) {
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [merchants, setMerchants] = useState('');
  const invite = useMutation({
    mutationFn: () =>
      api.post<Invitation>('/api/v1/invitations', {
        email: email.trim(),
        role,
        merchant_ids: role === 'admin' ? null : parseMerchants(merchants),
      }),
    onSuccess: async (inv) => {
      push({ variant: 'success', title: `Invitation sent to ${inv.email}` });
      setEmail('');
      setMerchants('');
      await client.invalidateQueries({ queryKey: KEY });
    },
  });
  const err = invite.error instanceof ApiError ? invite.error : undefined;
  const emailError = err?.issueFor('email') ?? (err?.status === 409 ? err.message : undefined);
  const merchantsError = err?.issueFor('merchant_ids');
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  return (
    <Form onSubmit={submit} noValidate aria-label="Invite someone" className="payflow-invite-form">
      {invite.error !== null && !emailError && !merchantsError && (
        <Alert variant="danger" isInline title="The invitation was not sent">
          {describeError(invite.error)}
        </Alert>
      )}
      <Flex
        gap={{ default: 'gapMd' }}
        alignItems={{ default: 'alignItemsFlexStart' }}
        flexWrap={{ default: 'wrap' }}
      >
        <FormGroup label="Email" isRequired fieldId="invite-email" className="payflow-invite-email">
          <TextInput
            id="invite-email"
            type="email"
            value={email}
            validated={emailError ? 'error' : 'default'}
            onChange={(_e, v) => {
              setEmail(v);
            }}
          />
          {emailError && (
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant="error">{emailError}</HelperTextItem>
              </HelperText>
            </FormHelperText>
          )}
        </FormGroup>
        <FormGroup label="Role" isRequired fieldId="invite-role">
          <FormSelect
            id="invite-role"
            value={role}
            onChange={(_e, v) => {
              setRole(v as Role);
            }}
          >
            {ROLES.map((r) => (
              <FormSelectOption key={r} value={r} label={ROLE_WORDS[r]} />
            ))}
          </FormSelect>
        </FormGroup>
        <MerchantsField
          id="invite-merchants"
          admin={role === 'admin'}
          value={merchants}
          error={merchantsError}
          onChange={setMerchants}
        />
      </Flex>
      <ActionGroup>
        <Button
          type="submit"
          isLoading={invite.isPending}
          isDisabled={invite.isPending || email.trim() === ''}
        >
          Send invitation
        </Button>
      </ActionGroup>
    </Form>
  );
}

export function Invitations({ push }: { push: Push }) {
  const compact = useCompact();
  const client = useQueryClient();
  const list = useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => api.get<{ data: Invitation[] }>('/api/v1/invitations', undefined, signal),
  });
  const act = useMutation({
    mutationFn: ({ inv, action }: { inv: Invitation; action: 'resend' | 'revoke' }) =>
      action === 'resend'
        ? api.post<Invitation>(`/api/v1/invitations/${encodeURIComponent(inv.id)}/resend`)
        : api.delete<Invitation>(`/api/v1/invitations/${encodeURIComponent(inv.id)}`),
    onSuccess: async (inv, { action }) => {
      push({
        variant: 'success',
        title:
          action === 'resend'
            ? `A new link was sent to ${inv.email}`
            : `The invitation of ${inv.email} is revoked`,
      });
      await client.invalidateQueries({ queryKey: KEY });
    },
    onError: (e) => {
      push({ variant: 'danger', title: 'The change was not made', body: describeError(e) });
    },
  });
  const rows = list.data?.data ?? [];
  return (
    <section aria-labelledby="invitations-title" className="pf-v6-u-mt-xl">
      <Title headingLevel="h2" size="lg" id="invitations-title">
        Invitations
      </Title>
      <p className="payflow-settings-muted pf-v6-u-mb-md">
        Sign-up is by invitation: the mail holds a link that works once and expires. Accepting sets a password
        (or signs in with Google) and verifies the address.
      </p>
      <InviteForm push={push} />
      <Table aria-label="Invitations" variant={compact ? 'compact' : undefined} className="pf-v6-u-mt-md">
        <Thead>
          <Tr>
            <Th>Email</Th>
            <Th>Role</Th>
            <Th>Merchants</Th>
            <Th>Status</Th>
            <Th>Expires</Th>
            <Th screenReaderText="Actions" />
          </Tr>
        </Thead>
        <Tbody>
          <TableBodyState
            columns={6}
            isLoading={list.isPending}
            error={list.error}
            isEmpty={rows.length === 0}
            filtered={false}
            onRetry={() => void list.refetch()}
            onClear={() => undefined}
            emptyTitle="No invitations yet"
          >
            {rows.map((inv) => {
              const open = inv.status === 'pending' || inv.status === 'expired';
              const busy = act.isPending && act.variables.inv.id === inv.id;
              const s = STATUS[inv.status];
              return (
                <Tr key={inv.id}>
                  <Td dataLabel="Email">{inv.email}</Td>
                  <Td dataLabel="Role">{ROLE_WORDS[inv.role]}</Td>
                  <Td dataLabel="Merchants">{merchantsText(inv.merchant_ids)}</Td>
                  <Td dataLabel="Status">
                    <div>
                      <Label status={s.status} textMaxWidth="16ch">
                        {s.text}
                      </Label>
                    </div>
                  </Td>
                  <Td dataLabel="Expires">
                    <Timestamp value={inv.expires_at} />
                  </Td>
                  <Td dataLabel="Actions">
                    {open && (
                      <Flex gap={{ default: 'gapSm' }} flexWrap={{ default: 'nowrap' }}>
                        <Button
                          variant="secondary"
                          size="sm"
                          isDisabled={busy}
                          aria-label={`Resend the invitation of ${inv.email}`}
                          onClick={() => {
                            act.mutate({ inv, action: 'resend' });
                          }}
                        >
                          Resend
                        </Button>
                        {inv.status === 'pending' && (
                          <Button
                            variant="secondary"
                            isDanger
                            size="sm"
                            isDisabled={busy}
                            aria-label={`Revoke the invitation of ${inv.email}`}
                            onClick={() => {
                              act.mutate({ inv, action: 'revoke' });
                            }}
                          >
                            Revoke
                          </Button>
                        )}
                      </Flex>
                    )}
                  </Td>
                </Tr>
              );
            })}
          </TableBodyState>
        </Tbody>
      </Table>
    </section>
  );
}
