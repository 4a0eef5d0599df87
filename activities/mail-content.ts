/**
 * Words and recipients of each notification kind (docs/ARCHITECTURE.md, The action lifecycle). Pure: the outbox
 * activity looks the facts up and hands them here.
 */
import { dueOn, formatDay } from '../lib/board-time';
import { addDays } from '../workflows/calendar';
import { escapeHtml } from '../domain/text';
import type { NotificationRequest } from '../workflows/types';

export interface MailFacts {
  publicUrl: string;
  boardChairEmail: string;
  reviewReference: string;
  reviewTitle: string;
  /** Action reference (`2.1`) or, for a recommendation, its number. */
  reference: string;
  title: string;
  actionId: string | null;
  agency: { code: string; name: string; leadEmail: string; seniorEmail: string | null; userEmails: string[] } | null;
  boardEmails: string[];
  dueDate: Date | null;
  status: string | null;
  /** Issue 18: the action's named owner (an active user), or null/absent: the agency is mailed as before. */
  owner?: { email: string; name: string } | null;
}

export interface ComposedMail {
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  ics: string | null;
}

const uniq = (xs: (string | null | undefined)[]) => [
  ...new Set(xs.filter((x): x is string => !!x).map((x) => x.toLowerCase())),
];
/** A due date as people write it, on its day in the board's zone: "31 January 2027". */
const day = (d: Date | null) => (d ? formatDay(d) : 'not set');

export function recipients(req: NotificationRequest, f: MailFacts): { to: string[]; cc: string[] } {
  const agencyAll = f.agency ? uniq([f.agency.leadEmail, ...f.agency.userEmails]) : [];
  const board = f.boardEmails.length ? uniq(f.boardEmails) : [f.boardChairEmail.toLowerCase()];
  // ---- issue 18: a named owner receives the action's mail, the agency lead in copy ----
  const owner = f.owner?.email.toLowerCase() ?? null;
  const lead = f.agency?.leadEmail.toLowerCase() ?? null;
  if (owner && req.audience === 'owner') return { to: [owner], cc: [] };
  if (owner && (req.kind === 'reminder' || req.kind === 'overdue' || req.kind === 'decision'))
    return { to: [owner], cc: uniq([lead]).filter((c) => c !== owner) };
  if (owner && req.kind === 'escalation' && req.escalation?.reason !== 'awaiting_board') {
    const laddered = escalationRecipients(req, f, board);
    return { ...laddered, cc: uniq([...laddered.cc, owner]).filter((c) => !laddered.to.includes(c)) };
  }
  // ---- end issue 18 ----
  switch (req.kind) {
    case 'assignment':
    case 'reminder':
    case 'overdue':
    case 'decision':
      return { to: agencyAll, cc: [] };
    case 'evidence_submitted':
      return { to: board, cc: [] };
    case 'recommendation_complete':
      return { to: board, cc: uniq([f.boardChairEmail]).filter((c) => !board.includes(c)) };
    case 'escalation':
      return escalationRecipients(req, f, board);
  }
}

/** The escalation ladder: level 1 the lead, level 2 the senior manager, level 3 the chair, lower levels in copy. */
function escalationRecipients(req: NotificationRequest, f: MailFacts, board: string[]): { to: string[]; cc: string[] } {
  const lead = f.agency?.leadEmail ?? null;
  const senior = f.agency?.seniorEmail ?? lead;
  const chair = f.boardChairEmail;
  const level = req.escalation?.level ?? 1;
  // The board's own delay is not the agency's fault: the chair is told, with the board in copy.
  if (req.escalation?.reason === 'awaiting_board')
    return { to: [chair.toLowerCase()], cc: board.filter((b) => b !== chair.toLowerCase()) };
  if (level >= 3)
    return { to: [chair.toLowerCase()], cc: uniq([lead, senior]).filter((c) => c !== chair.toLowerCase()) };
  if (level === 2) return { to: uniq([senior]), cc: uniq([lead]).filter((c) => c !== senior?.toLowerCase()) };
  return { to: uniq([lead]), cc: [] };
}

const SUBJECTS: Record<NotificationRequest['kind'], (f: MailFacts, req: NotificationRequest) => string> = {
  assignment: (f) => `New action assigned: ${f.title}`,
  reminder: (f) => `Reminder: action due ${day(f.dueDate)}`,
  overdue: () => 'Overdue: action past its due date',
  escalation: (_f, r) =>
    `Escalation level ${r.escalation?.level ?? 1} (${(r.escalation?.reason ?? 'overdue').replace('_', ' ')})`,
  evidence_submitted: () => 'Evidence submitted for board review',
  decision: (_f, r) =>
    r.detail?.extension
      ? `Extension request ${r.detail.extension === 'approve' ? 'approved' : 'rejected'}`
      : `Board decision: ${(r.detail?.outcome ?? '').replace(/_/g, ' ')}`,
  recommendation_complete: (_f, r) => `Recommendation complete: ${(r.detail?.status ?? '').replace(/_/g, ' ')}`,
};

export function icsFor(f: MailFacts, link: string, stamp: Date): string {
  const d = f.dueDate!;
  // An all-day event on the due date's local day: calendars show it on that day in any zone.
  const on = dueOn(d);
  const ymd = (date: string) => date.replace(/-/g, '');
  // RFC 5545 3.3.11: backslash, semicolon and comma escaped; every line break (CRLF, CR or LF) is "\n".
  const esc = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Safeguarding Board//Action Plan//EN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:action-${f.actionId}@actionplan`,
    `DTSTAMP:${stamp.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`,
    `DTSTART;VALUE=DATE:${ymd(on)}`,
    `DTEND;VALUE=DATE:${ymd(addDays(on, 1))}`,
    `SUMMARY:${esc(`Due: ${f.reviewReference} ${f.reference} ${f.title}`)}`,
    `DESCRIPTION:${esc(`Action ${f.reviewReference} ${f.reference} is due ${day(d)}. ${link}`)}`,
    `URL:${link}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ]
    .map(foldIcsLine)
    .join('\r\n')
    .concat('\r\n');
}

/** RFC 5545 3.1: lines longer than 75 octets are folded (CRLF and a space), never inside a UTF-8 character. */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    // A continuation line's leading space counts towards its 75 octets.
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function compose(req: NotificationRequest, f: MailFacts, now: Date): ComposedMail {
  const { to, cc } = recipients(req, f);
  const ref = `${f.reviewReference} ${f.reference}`;
  const link = f.actionId ? `${f.publicUrl}/actions/${f.actionId}` : `${f.publicUrl}/reviews`;
  const subject = `[${ref}] ${SUBJECTS[req.kind](f, req)}`;
  const lines = [
    `${f.reviewReference}: ${f.reviewTitle}`,
    `${req.kind === 'recommendation_complete' ? 'Recommendation' : 'Action'} ${f.reference}: ${f.title}`,
    f.agency ? `Agency: ${f.agency.name} (${f.agency.code})` : null,
    f.dueDate ? `Due: ${day(f.dueDate)}` : null,
    f.status ? `Status: ${f.status.replace('_', ' ')}` : null,
    req.escalation ? `Escalation: level ${req.escalation.level}, reason ${req.escalation.reason}` : null,
    ...Object.entries(req.detail ?? {})
      .filter(([, v]) => v)
      .map(([k, v]) =>
        k === 'newDueDate' ? `New due date: ${formatDay(v)}` : `${k[0].toUpperCase()}${k.slice(1)}: ${v}`,
      ),
  ].filter((l): l is string => l !== null);
  const text = `${lines.join('\n')}\n\nOpen it: ${link}\n`;
  const html =
    `<!doctype html><html><body><h1>${escapeHtml(SUBJECTS[req.kind](f, req))}</h1>` +
    `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` +
    `<p><a href="${escapeHtml(link)}">Open ${escapeHtml(ref)}</a></p></body></html>`;
  return {
    to,
    cc,
    subject,
    text,
    html,
    headers: { 'X-Notification-Kind': req.kind, 'X-Action-Ref': ref },
    ics: req.kind === 'assignment' && f.dueDate ? icsFor(f, link, now) : null,
  };
}
