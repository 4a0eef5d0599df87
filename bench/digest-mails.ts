/**
 * Issue 18's figure: mails per agency lead per month for the Baby M action plan simulated over
 * its year, with every mail going to the lead (before) and with reminders and overdue notices in
 * the lead's daily digest (after). The timers come from the real planner (workflows/planner.ts)
 * with the default policy; what people do is a fixed, stated model, not a measurement:
 *
 * - every action is acknowledged 3 days after assignment and updated every 25 days (no stall);
 * - two actions in three submit evidence on their due date; every third one is 45 days late
 *   (weekly overdue notices and the three escalation levels, each of which copies the lead);
 * - the board decides 7 days after evidence arrives (one decision mail).
 *
 * Run: npx tsx bench/digest-mails.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsv } from '../api/import/read';
import { plan, type PlanFacts } from '../workflows/planner';
import { DEFAULT_POLICY } from '../workflows/types';
import { localDate, type BoardCalendar } from '../workflows/calendar';

const DAY = 86_400_000;
const START = Date.parse('2026-10-01T09:00:00Z');
const END = START + 365 * DAY;
const calendar: BoardCalendar = { timeZone: 'Europe/London', holidays: [] };
const sheet = readCsv(fs.readFileSync(path.join(__dirname, '..', 'examples', 'scr-baby-m-action-plan.csv')));
const rows = sheet.rows.map((r) => r.cells.map((c) => (c === null || c === undefined ? '' : String(c))));

interface Mail {
  agency: string;
  at: number;
  digestible: boolean;
}
const mails: Mail[] = [];

rows.forEach((r, i) => {
  const agency = r[3];
  const due = Date.parse(`${r[5]}T23:59:59Z`);
  if (!agency || Number.isNaN(due)) return;
  const late = i % 3 === 2;
  const submitAt = late ? due + 45 * DAY : due;
  const facts: PlanFacts = {
    stage: 'assigned',
    dueDate: due,
    dueDateSetAt: START,
    assignedAt: START,
    acknowledgedAt: null,
    lastActivityAt: START,
    evidenceSubmittedAt: null,
    done: [],
  };
  mails.push({ agency, at: START, digestible: false }); // assignment
  let now = START;
  for (;;) {
    if (facts.stage === 'assigned' && now >= START + 3 * DAY) {
      facts.stage = 'in_progress';
      facts.acknowledgedAt = facts.lastActivityAt = START + 3 * DAY;
    }
    if (facts.stage === 'in_progress' && now - facts.lastActivityAt >= 25 * DAY) facts.lastActivityAt = now;
    if (facts.stage === 'in_progress' && now >= submitAt) {
      facts.stage = 'under_review';
      facts.evidenceSubmittedAt = submitAt;
    }
    if (facts.stage === 'under_review' && now >= submitAt + 7 * DAY) {
      mails.push({ agency, at: submitAt + 7 * DAY, digestible: false }); // decision
      break;
    }
    const next = plan(facts, DEFAULT_POLICY, now, calendar)[0];
    const step = now + DAY;
    if (next && next.at <= step) {
      facts.done = [...facts.done, next.occasion];
      const toLead = next.kind !== 'escalation' || next.reason !== 'awaiting_board';
      if (toLead) mails.push({ agency, at: next.at, digestible: next.kind !== 'escalation' });
      now = next.at;
    } else now = step;
    if (now > END + 200 * DAY) break;
  }
});

const inYear = mails.filter((m) => m.at >= START && m.at < END);
const month = (t: number) => localDate(t, calendar.timeZone).slice(0, 7);
const agencies = [...new Set(inYear.map((m) => m.agency))].sort();
const months = [...new Set(inYear.map((m) => month(m.at)))].sort();
const out: string[] = [
  '| lead of | mails a month before (mean / busiest) | after digests (mean / busiest) |',
  '| --- | --- | --- |',
];
let allBefore = 0;
let allAfter = 0;
for (const a of agencies) {
  const own = inYear.filter((m) => m.agency === a);
  const perMonth = (count: (ms: Mail[]) => number) => months.map((mo) => count(own.filter((m) => month(m.at) === mo)));
  const before = perMonth((ms) => ms.length);
  const after = perMonth(
    (ms) =>
      ms.filter((m) => !m.digestible).length +
      new Set(ms.filter((m) => m.digestible).map((m) => localDate(m.at, calendar.timeZone))).size,
  );
  const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  allBefore += sum(before);
  allAfter += sum(after);
  out.push(
    `| ${a} | ${(sum(before) / 12).toFixed(1)} / ${Math.max(...before)} | ${(sum(after) / 12).toFixed(1)} / ${Math.max(...after)} |`,
  );
}
out.push(`| all leads, whole year | ${allBefore} | ${allAfter} |`);
console.log(out.join('\n'));
