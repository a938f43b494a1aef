// The events dead-letter queue: each message with the reason the worker gave (or "moved by SQS"
// when it ran out of receives), the event it carries and its payment; operators redrive the
// selected messages or all of them back to the events queue (audited by the API), and the worker
// decides each again.
import {
  Alert,
  AlertActionCloseButton,
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  Content,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import SyncAltIcon from '@patternfly/react-icons/dist/esm/icons/sync-alt-icon';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { GuardedButton } from '../../components/Guarded';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { ApiError, api, describeError } from '../../lib/api';
import { formatCount } from '../../lib/format';
import { useIntentKey } from '../../lib/idempotency';
import type { DeadLetter, DeadLetters as DeadLettersBody, RedriveResult } from './pools';

const COLUMNS = 6;
export const DLQ_KEY = ['worker-pools', 'dead-letters'];

function useDeadLetters() {
  return useQuery({
    queryKey: DLQ_KEY,
    queryFn: ({ signal }) => api.get<DeadLettersBody>('/api/v1/dead-letters', { limit: 100 }, signal),
    retry: false,
  });
}

function useRedrive(onDone: (r: RedriveResult) => void) {
  const client = useQueryClient();
  const intent = useIntentKey();
  return useMutation({
    mutationFn: (ids: string[] | 'all') =>
      api.post<RedriveResult>(
        '/api/v1/dead-letters/redrive',
        ids === 'all' ? { all: true } : { message_ids: ids },
        {
          idempotencyKey: intent.key(),
        },
      ),
    onSuccess: async (r) => {
      intent.reset();
      onDone(r);
      await client.invalidateQueries({ queryKey: ['worker-pools'] });
    },
  });
}

function Reason({ m }: { m: DeadLetter }) {
  if (m.reason) return <>{m.reason}</>;
  return <span className="pf-v6-u-text-color-subtle">Moved by SQS after too many receives</span>;
}

function MessageRow(p: { m: DeadLetter; index: number; selected: boolean; onSelect: (on: boolean) => void }) {
  const { m, index, selected, onSelect } = p;
  return (
    <Tr>
      <Td dataLabel="Select">
        <Checkbox
          id={`dlq-select-${String(index)}`}
          aria-label={`Select ${m.event_id ?? m.message_id}`}
          isChecked={selected}
          onChange={(_e, on) => {
            onSelect(on);
          }}
        />
      </Td>
      <Td dataLabel="Event">
        <div className="pf-v6-u-font-family-monospace" style={{ overflowWrap: 'anywhere' }}>
          {m.event_id ?? m.message_id}
        </div>
        <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{m.event_type ?? 'not an event'}</div>
      </Td>
      <Td dataLabel="Payment">
        {m.payment_id ? (
          <Link
            to={`/payments/${encodeURIComponent(m.payment_id)}`}
            className="pf-v6-u-font-family-monospace"
          >
            {m.payment_id}
          </Link>
        ) : (
          '—'
        )}
      </Td>
      <Td dataLabel="Reason" modifier="breakWord">
        <Reason m={m} />
      </Td>
      <Td dataLabel="Dead-lettered">
        <Timestamp value={m.sent_at} relative />
      </Td>
      <Td dataLabel="Redriven">{m.redrive_count > 0 ? `${formatCount(m.redrive_count)} times` : 'Never'}</Td>
    </Tr>
  );
}

function ConfirmAll({
  count,
  onConfirm,
  onClose,
  busy,
}: {
  count: number;
  onConfirm: () => void;
  onClose: () => void;
  busy: boolean;
}) {
  return (
    <Modal
      isOpen
      variant="small"
      onClose={onClose}
      aria-labelledby="redrive-all-title"
      aria-describedby="redrive-all-body"
    >
      <ModalHeader
        title="Redrive every dead letter?"
        titleIconVariant="warning"
        labelId="redrive-all-title"
      />
      <ModalBody id="redrive-all-body">
        Every message in the dead-letter queue ({formatCount(count)} listed, perhaps more) goes back to the
        events queue, and the worker decides each again. Events already applied are recognised and not applied
        twice.
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" onClick={onConfirm} isLoading={busy} isDisabled={busy}>
          Redrive all
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function Outcome({ result, onClose }: { result: RedriveResult; onClose: () => void }) {
  const missing = result.missing.length;
  return (
    <Alert
      isInline
      variant={result.moved > 0 ? 'success' : 'warning'}
      title={`${formatCount(result.moved)} ${result.moved === 1 ? 'message' : 'messages'} sent back to the events queue`}
      actionClose={<AlertActionCloseButton onClose={onClose} />}
      className="pf-v6-u-mb-md"
    >
      {missing > 0 ? `${formatCount(missing)} selected no longer in the DLQ (already redriven?). ` : ''}
      The worker applies each event once; follow it on its payment's page.
    </Alert>
  );
}

function RedriveToolbar(p: {
  selected: number;
  empty: boolean;
  busy: boolean;
  refreshing: boolean;
  onSelected: () => void;
  onAll: () => void;
  onRefresh: () => void;
}) {
  return (
    <Toolbar>
      <ToolbarContent>
        <ToolbarItem>
          <GuardedButton
            need="operator"
            reason={p.selected === 0 ? 'Select the messages to redrive first.' : undefined}
            isLoading={p.busy}
            onClick={p.onSelected}
          >
            Redrive selected{p.selected > 0 ? ` (${formatCount(p.selected)})` : ''}
          </GuardedButton>
        </ToolbarItem>
        <ToolbarItem>
          <GuardedButton
            need="operator"
            variant="secondary"
            reason={p.empty ? 'The dead-letter queue is empty.' : undefined}
            onClick={p.onAll}
          >
            Redrive all
          </GuardedButton>
        </ToolbarItem>
        <ToolbarItem>
          <Button
            variant="plain"
            icon={<SyncAltIcon />}
            aria-label="Refresh dead letters"
            isLoading={p.refreshing}
            onClick={p.onRefresh}
          />
        </ToolbarItem>
      </ToolbarContent>
    </Toolbar>
  );
}

export function DeadLettersCard() {
  const dlq = useDeadLetters();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<RedriveResult | undefined>();
  const redrive = useRedrive((r) => {
    setResult(r);
    setSelected(new Set());
    setConfirming(false);
  });
  const rows = dlq.data?.messages ?? [];
  const notConfigured = dlq.error instanceof ApiError && dlq.error.status === 503;
  const toggle = (id: string, on: boolean) => {
    setSelected((old) => {
      const next = new Set(old);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  return (
    <Card id="dead-letters">
      <CardTitle>Dead letters{dlq.data ? ` · ${dlq.data.queue}` : ''}</CardTitle>
      <CardBody>
        {notConfigured ? (
          <Content component="p">
            No dead-letter queue is configured for this API (SQS_EVENTS_DLQ_URL), or SQS did not answer.
          </Content>
        ) : (
          <>
            {result && (
              <Outcome
                result={result}
                onClose={() => {
                  setResult(undefined);
                }}
              />
            )}
            {redrive.error && (
              <Alert isInline variant="danger" title="The redrive failed" className="pf-v6-u-mb-md">
                {describeError(redrive.error)}
              </Alert>
            )}
            <RedriveToolbar
              selected={selected.size}
              empty={rows.length === 0}
              busy={redrive.isPending && !confirming}
              refreshing={dlq.isFetching && !dlq.isPending}
              onSelected={() => {
                redrive.mutate([...selected]);
              }}
              onAll={() => {
                setConfirming(true);
              }}
              onRefresh={() => void dlq.refetch()}
            />
            <Table aria-label="Dead letters" variant="compact">
              <Thead>
                <Tr>
                  <Th screenReaderText="Select" />
                  <Th>Event</Th>
                  <Th>Payment</Th>
                  <Th width={35}>Reason</Th>
                  <Th modifier="nowrap">Dead-lettered</Th>
                  <Th modifier="nowrap">Redriven</Th>
                </Tr>
              </Thead>
              <Tbody>
                {!dlq.isPending && !dlq.error && rows.length > 0 ? (
                  rows.map((m, i) => (
                    <MessageRow
                      key={m.message_id}
                      m={m}
                      index={i}
                      selected={selected.has(m.message_id)}
                      onSelect={(on) => {
                        toggle(m.message_id, on);
                      }}
                    />
                  ))
                ) : (
                  <TableBodyState
                    columns={COLUMNS}
                    isLoading={dlq.isPending}
                    error={dlq.error}
                    isEmpty={rows.length === 0}
                    filtered={false}
                    onRetry={() => void dlq.refetch()}
                    emptyTitle="No dead letters"
                    emptyBody="Events the worker rejects, and events SQS gives up on, land here with their reason."
                  >
                    {null}
                  </TableBodyState>
                )}
              </Tbody>
            </Table>
          </>
        )}
      </CardBody>
      {confirming && (
        <ConfirmAll
          count={rows.length}
          busy={redrive.isPending}
          onConfirm={() => {
            redrive.mutate('all');
          }}
          onClose={() => {
            setConfirming(false);
          }}
        />
      )}
    </Card>
  );
}
