/** A small SVG line chart of `values`, scaled to their own range. */
export function Sparkline({
  values,
  capacity,
  label,
}: {
  values: readonly number[];
  /** Points across the full width; fewer values are drawn from the left. */
  capacity: number;
  label: string;
}) {
  const width = 100;
  const height = 30;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const step = capacity > 1 ? width / (capacity - 1) : width;
  const points = values
    .map(
      (v, i) =>
        `${(i * step).toFixed(2)},${(height - 1 - ((v - min) / span) * (height - 2)).toFixed(2)}`,
    )
    .join(' ');
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      {values.length > 1 && <polyline points={points} />}
    </svg>
  );
}
