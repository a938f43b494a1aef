// Users (admins only): everyone with an account, their role (changed in place; "No access" for an
// account waiting for approval), the merchants they are limited to, and whether they may sign in
// (disable ends every session at once; enable lets them sign in again); below, the invitations.
import {
  Button,
  FormSelect,
  FormSelectOption,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
  Tooltip,
  Alert,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { TableBodyState } from '../../../components/TableStates';
import { Timestamp } from '../../../components/Timestamp';
import { Toasts, useToasts } from '../../../components/Toasts';
import { api, describeError, type Page } from '../../../lib/api';
import { useUser } from '../../../lib/auth';
import { useCompact } from '../../../lib/preferences';
import { merchantsText } from '../../../lib/merchants';
import { USER_ROLES, type UserRole as Role } from '../../../lib/roles';
import { Invitations } from './Invitations';
import { MerchantsModal } from './MerchantsField';
import { useUrlState } from '../../../lib/url-state';
import { ActiveLabel } from './ActiveLabel';
import { AdminSection } from './AdminOnly';

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  merchant_ids: string[] | null;
  email_verified: boolean;
  disabled: boolean;
  created_at: string;
}

export const USERS_KEY = ['users'] as const;
const COLUMNS = 7;
const LIMIT = 100;
const ROLE_WORDS: Record<Role, string> = {
  none: 'No access',
  viewer: 'Viewer',
  operator: 'Operator',
  admin: 'Admin',
};
const SELF = 'You cannot change your own role or disable yourself here; another admin can.';

interface Change {
  user: AdminUser;
  role?: Role;
  disabled?: boolean;
  merchant_ids?: string[] | null;
}

function DisableModal({
  user,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  user: AdminUser;
  busy: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal
      isOpen
      variant="small"
      onClose={onClose}
      aria-labelledby="disable-user-title"
      aria-describedby="disable-user-body"
    >
      <ModalHeader
        title={`Disable ${user.name || user.email}?`}
        titleIconVariant="warning"
        labelId="disable-user-title"
      />
      <ModalBody id="disable-user-body">
        <p>
          <strong>{user.email}</strong> is signed out everywhere at once and cannot sign in until an admin
          enables the account again. Nothing they did is undone.
        </p>
        {error !== null && (
          <Alert isInline variant="danger" title="The account was not disabled" className="pf-v6-u-mt-md">
            {describeError(error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" isLoading={busy} isDisabled={busy} onClick={onConfirm}>
          Disable account
        </Button>
        <Button variant="link" onClick={onClose}>
          Keep it enabled
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function Self({ self, children }: { self: boolean; children: React.ReactElement }) {
  return self ? <Tooltip content={SELF}>{children}</Tooltip> : children;
}

function UserRow({
  user,
  self,
  busy,
  onChange,
  onDisable,
  onMerchants,
}: {
  user: AdminUser;
  self: boolean;
  busy: boolean;
  onChange: (c: Change) => void;
  onDisable: (u: AdminUser) => void;
  onMerchants: (u: AdminUser) => void;
}) {
  const who = user.name || user.email;
  return (
    <Tr>
      <Td dataLabel="Name">
        {user.name || '—'}{' '}
        {self && (
          <Label isCompact color="blue">
            You
          </Label>
        )}
      </Td>
      <Td dataLabel="Email">{user.email}</Td>
      <Td dataLabel="Role">
        {self ? (
          <Tooltip content={SELF}>
            <span tabIndex={0} className="payflow-admin-self-role">
              {ROLE_WORDS[user.role]}
            </span>
          </Tooltip>
        ) : (
          <FormSelect
            value={user.role}
            aria-label={`Role of ${who}`}
            isDisabled={busy}
            className="payflow-admin-role"
            onChange={(_e, value) => {
              onChange({ user, role: value as Role });
            }}
          >
            {USER_ROLES.map((r) => (
              <FormSelectOption key={r} value={r} label={ROLE_WORDS[r]} />
            ))}
          </FormSelect>
        )}
      </Td>
      <Td dataLabel="Merchants">
        {user.role === 'admin' ? (
          <span className="payflow-settings-muted">All (admin)</span>
        ) : (
          <Button
            variant="link"
            isInline
            isDisabled={busy || self}
            aria-label={`Merchants of ${who}: ${merchantsText(user.merchant_ids)}; change`}
            onClick={() => {
              onMerchants(user);
            }}
          >
            {merchantsText(user.merchant_ids)}
          </Button>
        )}
      </Td>
      <Td dataLabel="Status">
        <ActiveLabel ended={user.disabled ? 'Disabled' : undefined} />
      </Td>
      <Td dataLabel="Joined">
        <Timestamp value={user.created_at} />
      </Td>
      <Td dataLabel="Action">
        <Self self={self}>
          <Button
            variant="secondary"
            size="sm"
            isDanger={!user.disabled}
            isAriaDisabled={self}
            isDisabled={busy}
            aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${who}`}
            onClick={() => {
              if (self) return;
              if (user.disabled) onChange({ user, disabled: false });
              else onDisable(user);
            }}
          >
            {user.disabled ? 'Enable' : 'Disable'}
          </Button>
        </Self>
      </Td>
    </Tr>
  );
}

function UsersTable() {
  const me = useUser();
  const compact = useCompact();
  const client = useQueryClient();
  const { values, set } = useUrlState(['q'] as const);
  const [search, setSearch] = useState(values.q);
  const [disabling, setDisabling] = useState<AdminUser | undefined>();
  const [scoping, setScoping] = useState<AdminUser | undefined>();
  const { toasts, push, dismiss } = useToasts();
  const users = useQuery({
    queryKey: [...USERS_KEY, values.q],
    queryFn: ({ signal }) =>
      api.get<Page<AdminUser>>('/api/v1/users', { q: values.q, limit: LIMIT, sort: 'email' }, signal),
  });
  const change = useMutation({
    mutationFn: ({ user, ...body }: Change) =>
      api.patch<AdminUser>(`/api/v1/users/${encodeURIComponent(user.id)}`, body),
    onSuccess: async (after, { user, role, merchant_ids }) => {
      setDisabling(undefined);
      setScoping(undefined);
      const who = after.name || after.email;
      let title = `${who} is now ${after.disabled ? 'disabled' : 'enabled'}`;
      if (role) title = `${who} is now ${ROLE_WORDS[after.role].toLowerCase()}`;
      if (merchant_ids !== undefined)
        title = `${who} sees ${merchantsText(after.merchant_ids).toLowerCase()}`;
      push({ variant: 'success', title });
      client.setQueryData<Page<AdminUser>>([...USERS_KEY, values.q], (page) =>
        page ? { ...page, data: page.data.map((u) => (u.id === user.id ? after : u)) } : page,
      );
      await client.invalidateQueries({ queryKey: USERS_KEY });
    },
    onError: (err, { role, merchant_ids }) => {
      if ((disabling && role === undefined) || merchant_ids !== undefined) return;
      push({ variant: 'danger', title: 'The change was not made', body: describeError(err) });
    },
  });
  const rows = users.data?.data ?? [];
  const total = users.data?.pagination.total ?? rows.length;
  return (
    <>
      <Toasts toasts={toasts} dismiss={dismiss} />
      <Toolbar inset={{ default: 'insetNone' }}>
        <ToolbarContent>
          <ToolbarItem>
            <SearchInput
              aria-label="Search users by name or email"
              placeholder="Search by name or email"
              value={search}
              onChange={(_e, v) => {
                setSearch(v);
              }}
              onSearch={(_e, v) => {
                set({ q: v.trim() });
              }}
              onClear={() => {
                setSearch('');
                set({ q: undefined });
              }}
            />
          </ToolbarItem>
          <ToolbarItem variant="pagination" className="payflow-settings-muted">
            {users.data && `${String(rows.length)} of ${String(total)}`}
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <Table aria-label="Users" variant={compact ? 'compact' : undefined} role="table">
        <Thead>
          <Tr>
            <Th>Name</Th>
            <Th>Email</Th>
            <Th>Role</Th>
            <Th>Merchants</Th>
            <Th>Status</Th>
            <Th>Joined</Th>
            <Th screenReaderText="Action" />
          </Tr>
        </Thead>
        <Tbody>
          <TableBodyState
            columns={COLUMNS}
            isLoading={users.isPending}
            error={users.error}
            isEmpty={rows.length === 0}
            filtered={values.q !== ''}
            onRetry={() => void users.refetch()}
            onClear={() => {
              setSearch('');
              set({ q: undefined });
            }}
            emptyTitle="No users"
          >
            {rows.map((u) => (
              <UserRow
                key={u.id}
                user={u}
                self={u.id === me.id}
                busy={change.isPending && change.variables.user.id === u.id}
                onChange={(c) => {
                  change.mutate(c);
                }}
                onDisable={setDisabling}
                onMerchants={setScoping}
              />
            ))}
          </TableBodyState>
        </Tbody>
      </Table>
      {scoping && (
        <MerchantsModal
          title={`Merchants of ${scoping.name || scoping.email}`}
          description="Limit what this person sees to some merchants: payments, alerts, exports and the dashboard. Empty: every merchant. Admins always see every merchant."
          merchantIds={scoping.merchant_ids}
          busy={change.isPending}
          error={change.variables?.user.id === scoping.id ? change.error : null}
          onSave={(ids) => {
            change.mutate({ user: scoping, merchant_ids: ids });
          }}
          onClose={() => {
            setScoping(undefined);
            change.reset();
          }}
        />
      )}
      <Invitations push={push} />
      {disabling && (
        <DisableModal
          user={disabling}
          busy={change.isPending}
          error={change.variables?.user.id === disabling.id ? change.error : null}
          onConfirm={() => {
            change.mutate({ user: disabling, disabled: true });
          }}
          onClose={() => {
            setDisabling(undefined);
            change.reset();
          }}
        />
      )}
    </>
  );
}

export default function UsersPage() {
  return (
    <AdminSection
      title="Users"
      description="Everyone with an account: their role, the merchants they see and whether they may sign in. People join by invitation (below); an account that signed up by itself waits with no access until you give it a role. Every change is audited."
    >
      <UsersTable />
    </AdminSection>
  );
}
