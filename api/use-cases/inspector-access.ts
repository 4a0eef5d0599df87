/**
 * Issue 20: read-only inspectors. Their access has an end (at most INSPECTOR_MAX_DAYS ahead),
 * and every page or API read they make is written down before it is served, so the board can
 * say who looked at what and when.
 */
import { INSPECTOR_MAX_DAYS } from '../../domain/vocabulary';
import { dueInstant, dueOn } from '../../lib/board-time';
import { AppError } from '../../lib/errors';
import { addDays } from '../../workflows/calendar';
import type { InspectorReadRow } from '../queries/inspector-reads';

/**
 * The instant an inspector's access ends: midnight at the end of `expiresOn` in the board's zone.
 * Refused (400, nothing written) when the day is already past or more than INSPECTOR_MAX_DAYS ahead.
 */
export function inspectorAccessEnd(expiresOn: string | undefined, now: Date): Date {
  const field = 'body.expiresOn';
  if (!expiresOn)
    throw new AppError('validation', 'An inspector needs an expiry date', [
      { path: field, message: 'required for an inspector' },
    ]);
  const at = dueInstant(expiresOn);
  if (Number.isNaN(at))
    throw new AppError('validation', 'expiresOn is not a date', [{ path: field, message: 'expected YYYY-MM-DD' }]);
  const today = dueOn(now);
  if (expiresOn < today)
    throw new AppError('validation', `expiresOn ${expiresOn} is in the past`, [
      { path: field, message: 'the expiry date is in the past' },
    ]);
  const latest = addDays(today, INSPECTOR_MAX_DAYS);
  if (expiresOn > latest)
    throw new AppError('validation', `expiresOn ${expiresOn} is more than ${INSPECTOR_MAX_DAYS} days ahead`, [
      { path: field, message: `at most ${INSPECTOR_MAX_DAYS} days ahead (${latest} at the latest)` },
    ]);
  return new Date(at);
}

const csvCell = (v: string | number) => {
  const s = String(v);
  // A cell starting with = + - @ would run as a formula in a spreadsheet: quote it with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function inspectorReadsCsv(rows: InspectorReadRow[]): string {
  const head = ['read at', 'inspector', 'e-mail', 'method', 'what', 'via'];
  const lines = rows.map((r) => [r.readAt, r.name, r.email, r.method, r.path, r.via].map(csvCell).join(','));
  return [head.join(','), ...lines].join('\r\n') + '\r\n';
}
