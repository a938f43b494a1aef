// Backtest before saving: the draft run over a chosen window of stored payments by a batch job
// of type backtest, with its progress, the hits per day, examples with the values the rule saw,
// and precision / recall against alerts already resolved as confirmed fraud or false positive;
// for an edit of a stored rule, the saved version over the same window beside it (BacktestCompare).
import {
  Alert,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  FormSelect,
  FormSelectOption,
  Label,
  Progress,
  ProgressMeasureLocation,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { GuardedButton } from '../../components/Guarded';
import { Timestamp } from '../../components/Timestamp';
import { api, describeError } from '../../lib/api';
import { formatCount, formatMinor, formatPercent } from '../../lib/format';
import { useIntentKey } from '../../lib/idempotency';
import { BacktestCompare } from './BacktestCompare';
import { HitsByDay, type SavedDays } from './HitsByDay';
import { definitionChanged } from './compare';
import { useBacktest } from './data';
import type { Backtest } from './types';

const WINDOWS = [
  ['24', 'Last 24 hours'],
  ['168', 'Last 7 days'],
  ['720', 'Last 30 days'],
] as const;

function LabelCell({ label }: { label: string | null }) {
  if (label === 'confirmed_fraud') return <Label color="red">Confirmed fraud</Label>;
  if (label === 'false_positive') return <Label color="grey">False positive</Label>;
  if (label === 'chargeback')
    return (
      <Label color="red" variant="outline">
        Chargeback
      </Label>
    );
  return <span className="pf-v6-u-text-color-subtle">Unlabelled</span>;
}

function Examples({ bt }: { bt: Backtest }) {
  if (bt.examples.length === 0) return null;
  return (
    <Table aria-label="Backtest examples" variant="compact" role="table">
      <Thead>
        <Tr>
          <Th>Payment</Th>
          <Th>Created</Th>
          <Th>Payer</Th>
          <Th>Amount</Th>
          <Th>What the rule saw</Th>
          <Th>Label</Th>
        </Tr>
      </Thead>
      <Tbody>
        {bt.examples.map((e) => (
          <Tr key={e.payment_id}>
            <Td dataLabel="Payment">
              <Link to={`/payments/${e.payment_id}`} className="pf-v6-u-font-family-monospace">
                {e.payment_id}
              </Link>
            </Td>
            <Td dataLabel="Created">
              <Timestamp value={e.created_at} />
            </Td>
            <Td dataLabel="Payer">{e.payer_id}</Td>
            <Td dataLabel="Amount" className="payflow-tabular">
              {formatMinor(e.amount_minor, e.currency)}
            </Td>
            <Td dataLabel="What the rule saw">
              <ul className="payflow-reasons">
                {e.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </Td>
            <Td dataLabel="Label">
              <LabelCell label={e.label} />
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/**
 * A backtest's progress and findings; `comparison`, if any, shows below its figures, and
 * `savedDays` beside its hits per day.
 */
export function BacktestResult({
  bt,
  comparison,
  savedDays,
}: {
  bt: Backtest;
  comparison?: ReactNode;
  savedDays?: SavedDays | undefined;
}) {
  const running = bt.status === 'pending' || bt.status === 'running';
  const l = bt.labels;
  const labelled = l.confirmed_fraud_hit + l.false_positive_hit + l.confirmed_fraud_missed;
  return (
    <div className="payflow-backtest">
      <Progress
        title={running ? 'Backtest running' : `Backtest ${bt.status}`}
        aria-label="Backtest progress"
        value={Math.round((bt.progress ?? 0) * 100)}
        measureLocation={ProgressMeasureLocation.outside}
        variant={bt.status === 'failed' ? 'danger' : bt.status === 'succeeded' ? 'success' : undefined}
        helperText={`${formatCount(bt.processed)} of ${bt.total === null ? '…' : formatCount(bt.total)} payments`}
      />
      {bt.error && (
        <Alert variant="danger" isInline title="The backtest failed">
          {bt.error}
        </Alert>
      )}
      <DescriptionList isHorizontal isCompact columnModifier={{ default: '1Col', lg: '2Col' }}>
        <DescriptionListGroup>
          <DescriptionListTerm>Would have hit</DescriptionListTerm>
          <DescriptionListDescription>
            <strong data-testid="backtest-hits">{formatCount(bt.hits)}</strong> of {formatCount(bt.processed)}{' '}
            payments
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Window</DescriptionListTerm>
          <DescriptionListDescription>
            <Timestamp value={bt.from} /> – <Timestamp value={bt.to} />
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Precision</DescriptionListTerm>
          <DescriptionListDescription>
            {l.precision === null ? 'no labelled hits' : formatPercent(l.precision)}
            <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
              {formatCount(l.confirmed_fraud_hit)} confirmed fraud, {formatCount(l.false_positive_hit)} false
              positive among the hits
            </div>
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Recall</DescriptionListTerm>
          <DescriptionListDescription>
            {l.recall === null ? 'no confirmed fraud in the window' : formatPercent(l.recall)}
            <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
              {formatCount(l.confirmed_fraud_missed)} confirmed fraud missed
            </div>
            {l.chargebacks > 0 && (
              <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
                Confirmed fraud includes {formatCount(l.chargebacks)}{' '}
                {l.chargebacks === 1 ? 'chargeback' : 'chargebacks'} with no alert resolved
              </div>
            )}
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>
      {!running && labelled === 0 && (
        <p className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
          Precision and recall need payments in the window with an alert resolved as confirmed fraud or false
          positive, or charged back; there are none yet.
        </p>
      )}
      {comparison}
      <Flex
        gap={{ default: 'gap2xl' }}
        alignItems={{ default: 'alignItemsFlexStart' }}
        className="payflow-backtest__tables"
      >
        <FlexItem className="payflow-backtest__days">
          <HitsByDay days={bt.hits_by_day} saved={savedDays} />
        </FlexItem>
        <FlexItem grow={{ default: 'grow' }} className="payflow-backtest__examples">
          <Examples bt={bt} />
        </FlexItem>
      </Flex>
    </div>
  );
}

/** The stored version a draft edits: backtested beside the draft when its condition changed. */
export interface SavedVersion {
  readonly version: number;
  readonly definition: { condition: unknown };
}

interface Started {
  readonly draft: string;
  /** The saved version's backtest, when asked for, and which version it ran. */
  readonly saved?: { id: string; version: number } | undefined;
}

/** One press of Run backtest: what it asked for and the window it fixed. */
interface Intent {
  readonly asked: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Starts the draft's backtest, and the saved version's over the same window when asked. A retry of
 * the same request (one of the two failed) sends the same bodies under the same keys, window
 * included, so the one that went through is replayed rather than refused as a changed request.
 */
function useStartBacktests(definition: { condition: unknown }, ruleId: string | undefined) {
  const draftIntent = useIntentKey();
  const savedIntent = useIntentKey();
  const intent = useRef<Intent | undefined>(undefined);
  return useMutation({
    mutationFn: async ({ hours, saved }: { hours: string; saved: SavedVersion | undefined }) => {
      const asked = JSON.stringify([hours, definition, saved ?? null, ruleId ?? null]);
      if (intent.current?.asked !== asked) {
        draftIntent.reset();
        savedIntent.reset();
        const to = new Date();
        const from = new Date(to.getTime() - Number(hours) * 3_600_000);
        intent.current = { asked, from: from.toISOString(), to: to.toISOString() };
      }
      const { from, to } = intent.current;
      const post = (rule_definition: unknown, key: string) =>
        api.post<Backtest>(
          '/api/v1/rules/backtests',
          { rule_definition, from, to, ...(ruleId ? { rule_id: ruleId } : {}) },
          { idempotencyKey: key },
        );
      const [draft, other] = await Promise.all([
        post(definition, draftIntent.key()),
        saved ? post(saved.definition, savedIntent.key()) : undefined,
      ]);
      intent.current = undefined;
      return { draft: draft.id, saved: other && saved && { id: other.id, version: saved.version } };
    },
  });
}

/** The saved version's hits per day, once both backtests have finished. */
function savedDaysOf(
  started: Started | undefined,
  draft: Backtest | undefined,
  saved: Backtest | undefined,
): SavedDays | undefined {
  if (!started?.saved || draft?.status !== 'succeeded' || saved?.status !== 'succeeded') return undefined;
  return { version: started.saved.version, days: saved.hits_by_day };
}

/** Links to the batch jobs running the backtests. */
function JobLinks({ started }: { started: Started }) {
  return (
    <>
      Batch job <Link to={`/batch-jobs?q=${started.draft}`}>{started.draft}</Link>
      {started.saved && (
        <>
          {' '}
          (version {started.saved.version}:{' '}
          <Link to={`/batch-jobs?q=${started.saved.id}`}>{started.saved.id}</Link>)
        </>
      )}
    </>
  );
}

/** Runs the current draft; disabled while the draft has problems. */
export function BacktestPanel({
  definition,
  ruleId,
  saved,
  invalid,
}: {
  definition: { condition: unknown };
  ruleId: string | undefined;
  /** The version the draft edits, if it is stored. */
  saved?: SavedVersion | undefined;
  invalid: boolean;
}) {
  const [hours, setHours] = useState('168');
  const [started, setStarted] = useState<Started | undefined>(undefined);
  const [compare, setCompare] = useState(true);
  const edited = saved !== undefined && definitionChanged(definition.condition, saved.definition.condition);
  const start = useStartBacktests(definition, ruleId);
  const bt = useBacktest(started?.draft);
  const other = useBacktest(started?.saved?.id);
  return (
    <Card isCompact data-tour-id="backtest-panel">
      <CardTitle component="h2">Backtest</CardTitle>
      <CardBody>
        <p className="pf-v6-u-mb-sm">
          Run this draft over stored payments before saving it: what it would have hit, and the values it saw.
        </p>
        <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem>
            <FormSelect
              aria-label="Backtest window"
              value={hours}
              onChange={(_e, v) => {
                setHours(v);
              }}
            >
              {WINDOWS.map(([v, t]) => (
                <FormSelectOption key={v} value={v} label={t} />
              ))}
            </FormSelect>
          </FlexItem>
          <FlexItem>
            <GuardedButton
              need="operator"
              variant="secondary"
              reason={invalid ? 'Fix the problems in the rule first.' : undefined}
              isLoading={start.isPending}
              onClick={() => {
                start.mutate(
                  { hours, saved: edited && compare ? saved : undefined },
                  { onSuccess: setStarted },
                );
              }}
            >
              Run backtest
            </GuardedButton>
          </FlexItem>
          {edited && (
            <FlexItem>
              <Checkbox
                id="backtest-compare"
                label={`Also run version ${String(saved.version)} as saved, to compare`}
                isChecked={compare}
                onChange={(_e, checked) => {
                  setCompare(checked);
                }}
              />
            </FlexItem>
          )}
          {started && (
            <FlexItem className="pf-v6-u-font-size-sm">
              <JobLinks started={started} />
            </FlexItem>
          )}
        </Flex>
        {start.error && (
          <Alert variant="danger" isInline title="Could not start the backtest" className="pf-v6-u-mt-sm">
            {describeError(start.error)}
          </Alert>
        )}
        {bt.error && (
          <Alert variant="danger" isInline title="Could not read the backtest" className="pf-v6-u-mt-sm">
            {describeError(bt.error)}
          </Alert>
        )}
        {bt.data && (
          <BacktestResult
            bt={bt.data}
            savedDays={savedDaysOf(started, bt.data, other.data)}
            comparison={
              started?.saved && (
                <BacktestCompare draft={bt.data} saved={other.data} version={started.saved.version} />
              )
            }
          />
        )}
        {other.error && (
          <Alert
            variant="danger"
            isInline
            title="Could not read the saved version's backtest"
            className="pf-v6-u-mt-sm"
          >
            {describeError(other.error)}
          </Alert>
        )}
      </CardBody>
    </Card>
  );
}
