// Where you are signed in: one row per session (a sign-in and its renewals) with its device, the
// address it was last used from, when it was signed in and last used. Signing one out ends its
// tokens at once (the API refuses its access token on the next request); this session signs out
// through the normal sign-out, and every other one in one go after a confirmation.
import {
  Alert,
  Button,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { Toasts, useToasts } from '../../components/Toasts';
import { api, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useCompact } from '../../lib/preferences';
import { describeAgent } from './agent';

export interface Session {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  current: boolean;
}

export const SESSIONS_KEY = ['me', 'sessions'] as const;
const COLUMNS = 5;

function SignOutOthers({ count, onClose }: { count: number; onClose: (ended?: number) => void }) {
  const client = useQueryClient();
  const end = useMutation({
    mutationFn: () => api.post<{ ended: number }>('/api/v1/users/me/sessions/sign-out-others'),
    onSuccess: async ({ ended }) => {
      await client.invalidateQueries({ queryKey: SESSIONS_KEY });
      onClose(ended);
    },
  });
  return (
    <Modal
      isOpen
      variant="small"
      onClose={() => {
        onClose();
      }}
      aria-labelledby="sign-out-others-title"
      aria-describedby="sign-out-others-body"
    >
      <ModalHeader
        title="Sign out every other session?"
        titleIconVariant="warning"
        labelId="sign-out-others-title"
      />
      <ModalBody id="sign-out-others-body">
        <p>
          {count === 1 ? 'One other session' : `${String(count)} other sessions`} will be signed out at once,
          on whatever device they are. This session stays signed in.
        </p>
        {end.error && (
          <Alert isInline variant="danger" title="Nothing was signed out" className="pf-v6-u-mt-md">
            {describeError(end.error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button
          variant="danger"
          isLoading={end.isPending}
          isDisabled={end.isPending}
          onClick={() => {
            end.mutate();
          }}
        >
          Sign out others
        </Button>
        <Button
          variant="link"
          onClick={() => {
            onClose();
          }}
        >
          Keep them
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function SessionRow({
  session,
  busy,
  onSignOut,
}: {
  session: Session;
  busy: boolean;
  onSignOut: (s: Session) => void;
}) {
  const device = describeAgent(session.user_agent);
  return (
    <Tr>
      <Td dataLabel="Device">
        <span title={session.user_agent ?? undefined}>{device}</span>{' '}
        {session.current && (
          <Label color="green" isCompact>
            This session
          </Label>
        )}
      </Td>
      <Td dataLabel="Address" className="payflow-tabular">
        {session.ip ?? '—'}
      </Td>
      <Td dataLabel="Signed in">
        <Timestamp value={session.created_at} />
      </Td>
      <Td dataLabel="Last used">
        <Timestamp value={session.last_used_at} relative />
      </Td>
      <Td dataLabel="Action">
        <Button
          variant="secondary"
          isDanger={!session.current}
          size="sm"
          isLoading={busy}
          isDisabled={busy}
          aria-label={session.current ? 'Sign out of this session' : `Sign out ${device}`}
          onClick={() => {
            onSignOut(session);
          }}
        >
          Sign out
        </Button>
      </Td>
    </Tr>
  );
}

export function Sessions() {
  const compact = useCompact();
  const client = useQueryClient();
  const { signOut } = useAuth();
  const { toasts, push, dismiss } = useToasts();
  const [confirming, setConfirming] = useState(false);
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: ({ signal }) => api.get<{ data: Session[] }>('/api/v1/users/me/sessions', undefined, signal),
  });
  const end = useMutation({
    mutationFn: async (s: Session) => {
      if (s.current) await signOut();
      else await api.delete(`/api/v1/users/me/sessions/${encodeURIComponent(s.id)}`);
      return s;
    },
    onSuccess: async (s) => {
      if (s.current) return;
      push({ variant: 'success', title: `${describeAgent(s.user_agent)} was signed out` });
      await client.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
    onError: (err) => {
      push({ variant: 'danger', title: 'The session was not signed out', body: describeError(err) });
    },
  });
  const rows = sessions.data?.data ?? [];
  const others = rows.filter((s) => !s.current).length;

  return (
    <>
      <Toasts toasts={toasts} dismiss={dismiss} />
      <Toolbar inset={{ default: 'insetNone' }}>
        <ToolbarContent>
          <ToolbarItem>
            <Button
              variant="secondary"
              isDanger
              isDisabled={others === 0}
              onClick={() => {
                setConfirming(true);
              }}
            >
              Sign out all other sessions
            </Button>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <Table aria-label="Your sessions" variant={compact ? 'compact' : undefined} role="table">
        <Thead>
          <Tr>
            <Th>Device</Th>
            <Th>Address</Th>
            <Th>Signed in</Th>
            <Th>Last used</Th>
            <Th screenReaderText="Action" />
          </Tr>
        </Thead>
        <Tbody>
          <TableBodyState
            columns={COLUMNS}
            isLoading={sessions.isPending}
            error={sessions.error}
            isEmpty={rows.length === 0}
            filtered={false}
            onRetry={() => void sessions.refetch()}
            emptyTitle="No sessions"
            emptyBody="You are signed in nowhere."
          >
            {rows.map((s) => (
              <SessionRow
                key={s.id}
                session={s}
                busy={end.isPending && end.variables.id === s.id}
                onSignOut={(x) => {
                  end.mutate(x);
                }}
              />
            ))}
          </TableBodyState>
        </Tbody>
      </Table>
      {confirming && (
        <SignOutOthers
          count={others}
          onClose={(ended) => {
            setConfirming(false);
            if (ended !== undefined)
              push({
                variant: 'success',
                title:
                  ended === 1
                    ? 'One other session was signed out'
                    : `${String(ended)} other sessions were signed out`,
              });
          }}
        />
      )}
    </>
  );
}
