// The dashboard's charts: the one module that pulls in the chart library, loaded with React.lazy
// (see lazy-charts.ts) so the page paints its numbers before Victory has arrived. Colours are
// PatternFly tokens (CSS variables), so the same charts are right in the dark theme.
// Deep imports, not the '@patternfly/react-charts/victory' barrel: the barrel also loads the box
// plot, whose victory-box-plot package is not installed, and it would fail at run time.
import { Chart } from '@patternfly/react-charts/dist/esm/victory/components/Chart/Chart';
import { ChartArea } from '@patternfly/react-charts/dist/esm/victory/components/ChartArea/ChartArea';
import { ChartAxis } from '@patternfly/react-charts/dist/esm/victory/components/ChartAxis/ChartAxis';
import { ChartDonut } from '@patternfly/react-charts/dist/esm/victory/components/ChartDonut/ChartDonut';
import { ChartGroup } from '@patternfly/react-charts/dist/esm/victory/components/ChartGroup/ChartGroup';
import { ChartLegendTooltip } from '@patternfly/react-charts/dist/esm/victory/components/ChartLegendTooltip/ChartLegendTooltip';
import { ChartStack } from '@patternfly/react-charts/dist/esm/victory/components/ChartStack/ChartStack';
import { createContainer } from '@patternfly/react-charts/dist/esm/victory/components/ChartUtils/chart-container';
import { Skeleton } from '@patternfly/react-core';
import { useDeferredValue } from 'react';
import { humanize } from '../../components/StateLabel';
import { formatCount, formatPercent } from '../../lib/format';
import { roundRate, tickFormatter, type DashboardWindow, type RatePoint, type StateSlice } from './shape';
import { SERIES, stateColor } from './colors';
import { useWidth } from './use-width';

const CursorVoronoi = createContainer('voronoi', 'cursor');

const axisTick = { tickLabels: { fontSize: 12 } };

/** About `n` tick times spread evenly over the series (Victory's own choice crowds a phone). */
function evenTicks(points: readonly RatePoint[], n: number): Date[] {
  if (points.length <= n) return points.map((p) => p.x);
  const step = (points.length - 1) / (n - 1);
  return Array.from({ length: n }, (_, i) => points[Math.round(i * step)]?.x).filter(
    (x): x is Date => x !== undefined,
  );
}

export function PaymentsChart({
  points,
  window,
  height,
  ariaDesc,
}: {
  points: RatePoint[];
  window: DashboardWindow;
  height: number;
  ariaDesc: string;
}) {
  const [ref, width] = useWidth();
  const fmt = tickFormatter(window);
  const legendData = SERIES.map((s) => ({ childName: s.key, name: s.name, symbol: { fill: s.color } }));
  const ticks = evenTicks(points, width < 480 ? 3 : 6);
  return (
    <div ref={ref} style={{ height }}>
      {width === 0 && (
        <Skeleton height={`${String(height)}px`} screenreaderText="Drawing the payments chart" />
      )}
      {width > 0 && (
        <Chart
          ariaTitle="Payments per minute"
          ariaDesc={ariaDesc}
          width={width}
          height={height}
          padding={{ top: 12, right: 32, bottom: 36, left: 48 }}
          scale={{ x: 'time', y: 'linear' }}
          containerComponent={
            <CursorVoronoi
              cursorDimension="x"
              voronoiDimension="x"
              voronoiPadding={16}
              mouseFollowTooltips
              labels={({ datum }: { datum: { y: number } }) => formatCount(roundRate(datum.y))}
              labelComponent={
                <ChartLegendTooltip
                  legendData={legendData}
                  title={(args) => (args.x === undefined ? '' : fmt(args.x))}
                />
              }
            />
          }
        >
          <ChartAxis tickFormat={fmt} tickValues={ticks} fixLabelOverlap style={axisTick} />
          <ChartAxis
            dependentAxis
            showGrid
            tickCount={4}
            tickFormat={(t: number) => formatCount(roundRate(t))}
            style={axisTick}
          />
          <ChartStack>
            {SERIES.map((s) => (
              <ChartArea
                key={s.key}
                name={s.key}
                interpolation="monotoneX"
                data={points.map((p) => ({ x: p.x, y: p[s.key] }))}
                style={{ data: { fill: s.color, stroke: s.color, strokeWidth: 1.5 } }}
              />
            ))}
          </ChartStack>
        </Chart>
      )}
    </div>
  );
}

export function StateDonut({
  slices,
  total,
  size,
  ariaDesc,
}: {
  slices: StateSlice[];
  total: number;
  size: number;
  ariaDesc: string;
}) {
  // Drawn in a second, sliced render (see use-width.ts); a ring of the same size holds its place.
  const draw = useDeferredValue(true, false);
  return (
    <div style={{ width: size, height: size }}>
      {!draw && (
        <Skeleton
          shape="circle"
          width={`${String(size)}px`}
          height={`${String(size)}px`}
          screenreaderText="Drawing the state mix chart"
        />
      )}
      {draw && (
        <ChartDonut
          ariaTitle="State mix"
          ariaDesc={ariaDesc}
          width={size}
          height={size}
          padding={8}
          constrainToVisibleArea
          data={slices.map((s) => ({ x: humanize(s.state), y: s.count, share: s.share }))}
          colorScale={slices.map((s) => stateColor(s.state))}
          labels={({ datum }: { datum: { x: string; y: number; share: number } }) =>
            `${datum.x}: ${formatCount(datum.y)} (${formatPercent(datum.share)})`
          }
          title={formatCount(total)}
          subTitle="payments"
        />
      )}
    </div>
  );
}

/** A small trend line of one currency's value over the window (no axes: the row carries the numbers). */
export function Sparkline({
  data,
  ariaTitle,
  height,
}: {
  data: { x: Date; y: number }[];
  ariaTitle: string;
  height: number;
}) {
  const [ref, width] = useWidth();
  const color = 'var(--pf-t--chart--color--blue--300)';
  return (
    <div ref={ref} style={{ height }}>
      {width > 0 && (
        <ChartGroup
          ariaTitle={ariaTitle}
          ariaDesc={`${ariaTitle}: value per interval over the window; the totals are in the same row.`}
          width={width}
          height={height}
          padding={{ top: 2, bottom: 2, left: 0, right: 0 }}
          scale={{ x: 'time', y: 'linear' }}
          minDomain={{ y: 0 }}
        >
          <ChartArea
            data={data}
            interpolation="monotoneX"
            style={{ data: { fill: color, stroke: color, strokeWidth: 1.5 } }}
          />
        </ChartGroup>
      )}
    </div>
  );
}
