/**
 * ISO-8601 durations (`P5D`, `P1W`, `PT2S`, `P1DT12H`) to milliseconds. Pure, so the workflow
 * and the planner can use it. Months and years are refused: their length depends on the
 * calendar, and a deadline that silently shifts by a day is worse than a clear error.
 */
const PATTERN =
  /^P(?!$)(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

export class DurationError extends Error {
  constructor(public readonly value: string) {
    super(`"${value}" is not an ISO-8601 duration in weeks, days, hours, minutes or seconds (for example P7D or PT2S)`);
    this.name = 'DurationError';
  }
}

export function parseDuration(value: string): number {
  const m = PATTERN.exec(value.trim().toUpperCase());
  if (!m) throw new DurationError(value);
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i];
  }
  return Math.round(ms);
}

export function isDuration(value: string): boolean {
  return PATTERN.test(value.trim().toUpperCase());
}
