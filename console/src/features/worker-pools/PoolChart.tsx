// Backlog against replicas over the last hour: the one module of this page that pulls in the chart
// library (loaded lazily, see lazy-chart.ts). Backlog reads on the left axis, replicas (desired as
// a dashed line, ready solid) on the right; both are drawn on a 0–1 scale and the axes label them
// in their own units. Colours are PatternFly tokens, so the chart is right in the dark theme too.
import { Chart } from '@patternfly/react-charts/dist/esm/victory/components/Chart/Chart';
import { ChartAxis } from '@patternfly/react-charts/dist/esm/victory/components/ChartAxis/ChartAxis';
import { ChartGroup } from '@patternfly/react-charts/dist/esm/victory/components/ChartGroup/ChartGroup';
import { ChartLegend } from '@patternfly/react-charts/dist/esm/victory/components/ChartLegend/ChartLegend';
import { ChartLine } from '@patternfly/react-charts/dist/esm/victory/components/ChartLine/ChartLine';
import { useEffect, useState } from 'react';
import { formatCount, formatTime } from '../../lib/format';
import type { ChartSeries, Point } from './pools';

const COLORS = {
  backlog: 'var(--pf-t--chart--color--blue--300)',
  desired: 'var(--pf-t--chart--color--orange--300)',
  ready: 'var(--pf-t--chart--color--green--400)',
};

const axisTick = { tickLabels: { fontSize: 12 } };
const FRACTIONS = [0, 0.25, 0.5, 0.75, 1];

function useWidth(): [(el: HTMLElement | null) => void, number] {
  const [el, setEl] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      setWidth((old) => (old === w ? old : w));
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [el]);
  return [setEl, width];
}

const scaled = (points: Point[], max: number) => points.map((p) => ({ x: p.x, y: p.y / max }));

export function PoolChart({
  series,
  height,
  ariaDesc,
}: {
  series: ChartSeries;
  height: number;
  ariaDesc: string;
}) {
  const [ref, width] = useWidth();
  const { maxBacklog, maxReplicas } = series;
  const legend = [
    { name: 'Backlog', symbol: { fill: COLORS.backlog } },
    { name: 'Desired replicas', symbol: { fill: COLORS.desired, type: 'dash' } },
    { name: 'Ready replicas', symbol: { fill: COLORS.ready } },
  ];
  return (
    <div ref={ref} style={{ height }}>
      {width > 0 && (
        <Chart
          ariaTitle="Backlog against replicas, last hour"
          ariaDesc={ariaDesc}
          width={width}
          height={height}
          padding={{ top: 12, right: 48, bottom: 72, left: 56 }}
          scale={{ x: 'time', y: 'linear' }}
          domain={{ y: [0, 1] }}
          legendPosition="bottom-left"
          legendComponent={<ChartLegend data={legend} itemsPerRow={width < 480 ? 1 : 3} />}
        >
          <ChartAxis
            tickCount={width < 480 ? 3 : 6}
            tickFormat={(t: Date) => formatTime(t)}
            fixLabelOverlap
            style={axisTick}
          />
          <ChartAxis
            dependentAxis
            showGrid
            tickValues={FRACTIONS}
            tickFormat={(t: number) => formatCount(Math.round(t * maxBacklog))}
            label="Backlog"
            style={axisTick}
          />
          <ChartAxis
            dependentAxis
            orientation="right"
            tickValues={FRACTIONS}
            tickFormat={(t: number) => formatCount(Math.round(t * maxReplicas * 10) / 10)}
            label="Replicas"
            style={axisTick}
          />
          <ChartGroup>
            <ChartLine
              name="backlog"
              data={scaled(series.backlog, maxBacklog)}
              style={{ data: { stroke: COLORS.backlog, strokeWidth: 2 } }}
            />
            <ChartLine
              name="desired"
              interpolation="stepAfter"
              data={scaled(series.desired, maxReplicas)}
              style={{ data: { stroke: COLORS.desired, strokeWidth: 2, strokeDasharray: '6,4' } }}
            />
            <ChartLine
              name="ready"
              interpolation="stepAfter"
              data={scaled(series.ready, maxReplicas)}
              style={{ data: { stroke: COLORS.ready, strokeWidth: 2 } }}
            />
          </ChartGroup>
        </Chart>
      )}
    </div>
  );
}
