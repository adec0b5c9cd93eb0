// Number formatting for reports: units a reader expects (KB, ms, /s), never more digits than the
// measurement supports.
export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const a = Math.abs(n);
  if (a >= 100) return Math.round(n).toLocaleString('en-US');
  if (a === 0) return '0';
  // Three significant digits: what a median over a few repetitions supports.
  return n.toPrecision(3);
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 1024 ** 3) return `${fmtNumber(n / 1024 ** 3)} GB`;
  if (Math.abs(n) >= 1024 * 1024) return `${fmtNumber(n / 1024 / 1024)} MB`;
  if (Math.abs(n) >= 1024) return `${fmtNumber(n / 1024)} KB`;
  return `${fmtNumber(n)} B`;
}

export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return 'n/a';
  if (us >= 1000) return `${fmtNumber(us / 1000)} ms`;
  return `${fmtNumber(us)} µs`;
}

/** A metric value with the unit of its headline spec. */
export function fmtMetric(value: number, unit: string): string {
  switch (unit) {
    case 'B':
      return fmtBytes(value);
    case 'µs':
      return fmtUs(value);
    case 'ms':
      return `${fmtNumber(value)} ms`;
    case '%':
      return `${fmtNumber(value)} %`;
    case '/s':
      return `${fmtNumber(value)}/s`;
    case '':
      return fmtCount(value);
    default:
      return `${fmtNumber(value)} ${unit}`;
  }
}

/** A count (gaps, duplicates, events): whole numbers as they are, never "3.00". */
export function fmtCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : fmtNumber(n);
}

/** A ratio as a factor: "1.6×", "12×" (whole from 10 up), "∞×". */
export function fmtRatio(x: number): string {
  return `${fmtFactor(x)}×`;
}

/** The factor of fmtRatio without its sign (sentences that put "×" or "times" themselves). */
export function fmtFactor(x: number): string {
  return Number.isFinite(x) ? x.toFixed(x >= 10 ? 0 : 1) : '∞';
}
