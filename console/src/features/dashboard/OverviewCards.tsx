// The cards drawn from GET /api/v1/stats/overview: payments per minute, value by currency,
// success rate, time to a final state, and the state mix.
import { Flex, FlexItem, Progress, ProgressMeasureLocation, ProgressVariant } from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import { Suspense } from 'react';
import { Money } from '../../components/Money';
import { PaymentStateLabel, humanize } from '../../components/StateLabel';
import { formatCount, formatDuration, formatPercent } from '../../lib/format';
import { COLORS, SERIES, stateColor } from './colors';
import { DashCard, BigNumber, ChartSkeleton, EmptyNote, type CardState } from './DashCard';
import type { Overview } from './data';
import { PaymentsChart, Sparkline, StateDonut } from './lazy-charts';
import {
  currencyRows,
  rateSeries,
  rateSummary,
  roundRate,
  stateSlices,
  tickFormatter,
  windowWords,
  type DashboardWindow,
  type RatePoint,
} from './shape';

interface OverviewProps {
  overview: Overview | undefined;
  state: CardState;
  window: DashboardWindow;
}

const CHART_HEIGHT = 290;

/** The series' colours and names, as HTML under the chart (it wraps on a phone; SVG legends do not). */
function PaymentsLegend() {
  return (
    <ul className="payflow-dash-legend" aria-hidden="true">
      {SERIES.map((s) => (
        <li key={s.key}>
          <span className="payflow-dash-swatch" style={{ background: s.color }} />
          {s.name}
        </li>
      ))}
    </ul>
  );
}

const rate = (n: number | null) => (n === null ? '—' : formatCount(n));

/** The chart's data as a table for screen readers (the chart itself is a picture to them). */
function RateTable({ points, window }: { points: RatePoint[]; window: DashboardWindow }) {
  const fmt = tickFormatter(window);
  return (
    <table className="pf-v6-screen-reader">
      <caption>Payments per minute by interval, {windowWords(window)}</caption>
      <thead>
        <tr>
          <th scope="col">Interval starting</th>
          <th scope="col">Succeeded</th>
          <th scope="col">Failed</th>
          <th scope="col">In progress</th>
        </tr>
      </thead>
      <tbody>
        {points.map((p) => (
          <tr key={p.ts}>
            <th scope="row">{fmt(p.x)}</th>
            <td>{formatCount(roundRate(p.succeeded))}</td>
            <td>{formatCount(roundRate(p.failed))}</td>
            <td>{formatCount(roundRate(p.other))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PaymentsPerMinuteCard({ overview, state, window }: OverviewProps) {
  const points = overview ? rateSeries(overview) : [];
  const summary = overview ? rateSummary(points, overview) : { latest: null, average: null, peak: null };
  const desc = `Stacked area chart of payments per minute over ${windowWords(window)}: succeeded, failed and in progress. Latest complete interval ${rate(summary.latest)}, average ${rate(summary.average)}, peak ${rate(summary.peak)} per minute.`;
  return (
    <DashCard title="Payments per minute" minHeight={CHART_HEIGHT + 80} state={state}>
      <Flex gap={{ default: 'gapXl' }} className="payflow-dash-kpis">
        <FlexItem>
          <span className="payflow-dash-kpi__label">Latest</span>
          <span className="payflow-dash-kpi__value payflow-tabular">{rate(summary.latest)}</span>
        </FlexItem>
        <FlexItem>
          <span className="payflow-dash-kpi__label">Average</span>
          <span className="payflow-dash-kpi__value payflow-tabular">{rate(summary.average)}</span>
        </FlexItem>
        <FlexItem>
          <span className="payflow-dash-kpi__label">Peak</span>
          <span className="payflow-dash-kpi__value payflow-tabular">{rate(summary.peak)}</span>
        </FlexItem>
        <FlexItem>
          <span className="payflow-dash-kpi__label">Payments</span>
          <span className="payflow-dash-kpi__value payflow-tabular">
            {formatCount(overview?.totals.payments)}
          </span>
        </FlexItem>
      </Flex>
      {points.length === 0 ? (
        <EmptyNote>No payments in {windowWords(window)}.</EmptyNote>
      ) : (
        <>
          <Suspense fallback={<ChartSkeleton height={CHART_HEIGHT} label="payments per minute" />}>
            <PaymentsChart points={points} window={window} height={CHART_HEIGHT} ariaDesc={desc} />
          </Suspense>
          <PaymentsLegend />
          <RateTable points={points} window={window} />
        </>
      )}
    </DashCard>
  );
}

const SPARK_HEIGHT = 28;
const MAX_CURRENCIES = 6;

export function ValueByCurrencyCard({ overview, state, window }: OverviewProps) {
  const rows = overview ? currencyRows(overview) : [];
  const shown = rows.slice(0, MAX_CURRENCIES);
  const more = rows.length - shown.length;
  return (
    <DashCard title="Value by currency" minHeight={200} state={state}>
      {rows.length === 0 ? (
        <EmptyNote>No payments in {windowWords(window)}.</EmptyNote>
      ) : (
        <table className="payflow-dash-currency" aria-label={`Value by currency, ${windowWords(window)}`}>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col" className="payflow-dash-num">
                Value
              </th>
              <th scope="col" className="payflow-dash-num">
                Payments
              </th>
              <th scope="col" className="payflow-dash-spark-col">
                <span className="pf-v6-screen-reader">Trend</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.currency}>
                <th scope="row">
                  <span className="payflow-dash-currency__code">{r.currency}</span>
                  <span className="payflow-dash-currency__share">{formatPercent(r.share, 0)}</span>
                </th>
                <td className="payflow-dash-num">
                  <Money amount={r.amount} currency={r.currency} />
                </td>
                <td className="payflow-dash-num payflow-tabular">{formatCount(r.count)}</td>
                <td className="payflow-dash-spark-col">
                  <Suspense fallback={<div style={{ height: SPARK_HEIGHT }} />}>
                    <Sparkline
                      data={r.spark}
                      height={SPARK_HEIGHT}
                      ariaTitle={`${r.currency} value over time`}
                    />
                  </Suspense>
                </td>
              </tr>
            ))}
          </tbody>
          {more > 0 && (
            <tfoot>
              <tr>
                <td colSpan={4}>
                  and {formatCount(more)} more {more === 1 ? 'currency' : 'currencies'}
                </td>
              </tr>
            </tfoot>
          )}
        </table>
      )}
    </DashCard>
  );
}

const KPI_HEIGHT = 132;

function successVariant(r: number): ProgressVariant | undefined {
  if (r >= 0.95) return ProgressVariant.success;
  if (r >= 0.8) return ProgressVariant.warning;
  return ProgressVariant.danger;
}

export function SuccessRateCard({ overview, state, window }: OverviewProps) {
  const t = overview?.totals;
  const r = t?.success_rate ?? null;
  return (
    <DashCard title="Success rate" minHeight={KPI_HEIGHT} state={state}>
      {r === null ? (
        <>
          <BigNumber value="—" />
          <EmptyNote>No payment reached a final state in {windowWords(window)}.</EmptyNote>
        </>
      ) : (
        <>
          <BigNumber value={formatPercent(r)} />
          <Progress
            value={r * 100}
            measureLocation={ProgressMeasureLocation.none}
            variant={successVariant(r)}
            aria-label={`Success rate ${formatPercent(r)}`}
            size="sm"
            className="payflow-dash-progress"
          />
          <Flex gap={{ default: 'gapLg' }} className="payflow-dash-split">
            <FlexItem>
              <CheckCircleIcon color={COLORS.succeeded} /> Succeeded{' '}
              <strong className="payflow-tabular">{formatCount(t?.succeeded)}</strong>
            </FlexItem>
            <FlexItem>
              <ExclamationCircleIcon color={COLORS.failed} /> Failed{' '}
              <strong className="payflow-tabular">{formatCount(t?.failed)}</strong>
            </FlexItem>
          </Flex>
        </>
      )}
    </DashCard>
  );
}

export function TimeToFinalCard({ overview, state, window }: OverviewProps) {
  const t = overview?.time_to_final;
  const samples = t?.samples ?? 0;
  // Hours read "129 h 16 min": one size down so p50 and p95 stay side by side.
  const long = Math.max(t?.p50_seconds ?? 0, t?.p95_seconds ?? 0) >= 3600;
  return (
    <DashCard title="Time to final state" minHeight={KPI_HEIGHT} state={state}>
      {samples === 0 ? (
        <>
          <BigNumber value="—" />
          <EmptyNote>No payment went from pending to a final state in {windowWords(window)}.</EmptyNote>
        </>
      ) : (
        <>
          <Flex gap={{ default: 'gapLg' }} columnGap={{ default: 'columnGapXl' }}>
            <FlexItem>
              <BigNumber value={formatDuration(t?.p50_seconds)} caption="median (p50)" small={long} />
            </FlexItem>
            <FlexItem>
              <BigNumber value={formatDuration(t?.p95_seconds)} caption="p95" small={long} />
            </FlexItem>
          </Flex>
          <div className="payflow-dash-caption">
            From pending to settled, failed or voided; {formatCount(samples)}{' '}
            {samples === 1 ? 'payment' : 'payments'}.
          </div>
        </>
      )}
    </DashCard>
  );
}

const DONUT = 180;

export function StateMixCard({ overview, state, window }: OverviewProps) {
  const slices = overview ? stateSlices(overview.state_mix) : [];
  const total = slices.reduce((s, x) => s + x.count, 0);
  const desc = `Donut chart of ${formatCount(total)} payments by state: ${slices
    .map((s) => `${humanize(s.state)} ${formatCount(s.count)}`)
    .join(', ')}.`;
  return (
    <DashCard title="State mix" minHeight={CHART_HEIGHT + 80} state={state}>
      {slices.length === 0 ? (
        <EmptyNote>No payments in {windowWords(window)}.</EmptyNote>
      ) : (
        <div className="payflow-dash-mix">
          <div className="payflow-dash-mix__donut">
            <Suspense fallback={<ChartSkeleton height={DONUT} label="state mix" />}>
              <StateDonut slices={slices} total={total} size={DONUT} ariaDesc={desc} />
            </Suspense>
          </div>
          <ul className="payflow-dash-mix__legend" aria-label="Payments by state">
            {slices.map((s) => (
              <li key={s.state}>
                <span className="payflow-dash-swatch" style={{ background: stateColor(s.state) }} />
                <PaymentStateLabel state={s.state} compact />
                <span className="payflow-dash-mix__count payflow-tabular">{formatCount(s.count)}</span>
                <span className="payflow-dash-mix__share payflow-tabular">{formatPercent(s.share, 0)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </DashCard>
  );
}
