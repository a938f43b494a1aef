// Backlog against replicas over the last hour: the one module of this page that pulls in the chart
// library (loaded lazily, see lazy-chart.ts). Backlog reads on the left axis, replicas (ready
// solid, desired dashed on top) on the right; both are drawn on a 0–1 scale and each axis labels
// it in its own units (round counts, whole replicas). Colours are PatternFly tokens, so the chart is right in the dark theme too.
import { Chart } from '@patternfly/react-charts/dist/esm/victory/components/Chart/Chart';
import { ChartAxis } from '@patternfly/react-charts/dist/esm/victory/components/ChartAxis/ChartAxis';
import { ChartGroup } from '@patternfly/react-charts/dist/esm/victory/components/ChartGroup/ChartGroup';
import { ChartLegend } from '@patternfly/react-charts/dist/esm/victory/components/ChartLegend/ChartLegend';
import { ChartLine } from '@patternfly/react-charts/dist/esm/victory/components/ChartLine/ChartLine';
import { useEffect, useState } from 'react';
import { formatCount, formatTime } from '../../lib/format';
import { niceAxis, replicaAxis, type ChartSeries, type Point } from './pools';

const COLORS = {
  backlog: 'var(--pf-t--chart--color--blue--300)',
  desired: 'var(--pf-t--chart--color--orange--300)',
  ready: 'var(--pf-t--chart--color--green--400)',
};

const axisTick = { tickLabels: { fontSize: 12 } };

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
  const narrow = width < 480;
  // The legend takes a row per series on a phone, one row otherwise.
  const bottom = 44 + (narrow ? 3 : 1) * 22;
  const h = height + (narrow ? 44 : 0);
  const left = niceAxis(series.maxBacklog);
  const right = replicaAxis(series.maxReplicas);
  const legend = [
    { name: 'Backlog (left)', symbol: { fill: COLORS.backlog } },
    { name: 'Ready replicas (right)', symbol: { fill: COLORS.ready } },
    { name: 'Desired replicas (right)', symbol: { fill: COLORS.desired, type: 'dash' } },
  ];
  return (
    <div ref={ref} style={{ height: h }}>
      {width > 0 && (
        <Chart
          ariaTitle="Backlog against replicas, last hour"
          ariaDesc={ariaDesc}
          width={width}
          height={h}
          padding={{ top: 12, right: 40, bottom, left: 48 }}
          scale={{ x: 'time', y: 'linear' }}
          domain={{ y: [0, 1] }}
          legendPosition="bottom-left"
          legendComponent={<ChartLegend data={legend} itemsPerRow={narrow ? 1 : 3} />}
        >
          <ChartAxis
            tickCount={narrow ? 3 : 6}
            tickFormat={(t: Date) => formatTime(t, { date: false })}
            fixLabelOverlap
            style={axisTick}
          />
          <ChartAxis
            dependentAxis
            showGrid
            tickValues={left.ticks.map((v) => v / left.top)}
            tickFormat={(t: number) => formatCount(Math.round(t * left.top))}
            style={axisTick}
          />
          <ChartAxis
            dependentAxis
            orientation="right"
            tickValues={right.ticks.map((v) => v / right.top)}
            tickFormat={(t: number) => formatCount(Math.round(t * right.top))}
            style={axisTick}
          />
          <ChartGroup>
            <ChartLine
              name="backlog"
              data={scaled(series.backlog, left.top)}
              style={{ data: { stroke: COLORS.backlog, strokeWidth: 2 } }}
            />
            <ChartLine
              name="ready"
              interpolation="stepAfter"
              data={scaled(series.ready, right.top)}
              style={{ data: { stroke: COLORS.ready, strokeWidth: 2 } }}
            />
            <ChartLine
              name="desired"
              interpolation="stepAfter"
              data={scaled(series.desired, right.top)}
              style={{ data: { stroke: COLORS.desired, strokeWidth: 2, strokeDasharray: '6,4' } }}
            />
          </ChartGroup>
        </Chart>
      )}
    </div>
  );
}
