/** Small formatting helpers shared by the benchmarks' final tables. */

/** Renders rows as a left-aligned text table; the first row is the header. */
export function renderTable(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** KiB as MiB with one decimal, e.g. "231.4". */
export const mib = (kib: number): string => (kib / 1024).toFixed(1);

/** "12.3 s ✓ (≤ 60 s)": a figure beside its target, marked met or missed. */
export const againstTarget = (value: number, target: number, unit: string, atMost = true): string =>
  `${value.toFixed(1)} ${unit} ${(atMost ? value <= target : value >= target) ? 'ok' : 'MISSED'} (target ${atMost ? '≤' : '≥'} ${target} ${unit})`;

/** The q-quantile (0..1) of a list by the nearest-rank method; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
