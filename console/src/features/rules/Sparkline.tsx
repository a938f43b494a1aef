// A small inline chart (SVG, no chart library): a row's hits per hour over the last day.
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const w = 96;
  const h = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`);
  return (
    <svg
      className="payflow-sparkline"
      width={w}
      height={h}
      viewBox={`0 0 ${String(w)} ${String(h)}`}
      role="img"
      aria-label={label}
    >
      <polyline
        points={`0,${String(h - 2)} ${points.join(' ')} ${String(w)},${String(h - 2)}`}
        className="payflow-sparkline__area"
      />
      <polyline points={points.join(' ')} className="payflow-sparkline__line" />
    </svg>
  );
}
