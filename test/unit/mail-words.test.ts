/**
 * What each mail says, line by line (activities/mail-content.ts): every kind the workflows send,
 * including the impact check and the chair's challenge, in the variants a reader meets (with and
 * without the looked-up details, a first or a repeated request, each escalation reason and level),
 * the due date in UK words counted on the board's days, how far an extension moves a date, and the
 * calendar entry's folding. test/unit/mail-content.test.ts covers the recipients of the common
 * kinds, the layout and the HTML escaping; this file the words.
 */
import {
  compose,
  foldIcsLine,
  icsFor,
  moveWords,
  recipients,
  type MailDetails,
  type MailFacts,
} from '../../activities/mail-content';
import type { NotificationKind, NotificationRequest } from '../../workflows/types';

/** Monday 1 March 2027, 10:00 in London (GMT). */
const NOW = new Date('2027-03-01T10:00:00Z');
const DUE = new Date('2027-03-15T12:00:00Z');

const facts = (over: Partial<MailFacts> = {}): MailFacts => ({
  publicUrl: 'https://plan.example',
  boardChairEmail: 'chair@lscp.example',
  reviewReference: 'CSPR-7',
  reviewTitle: 'Baby M',
  reference: '1.2',
  title: 'Audit discharge planning',
  actionId: 'act-9',
  agency: {
    code: 'NHS',
    name: 'City Hospital Trust',
    leadEmail: 'lead@nhs.example',
    seniorEmail: 'director@nhs.example',
    userEmails: [],
  },
  boardEmails: ['member@lscp.example'],
  dueDate: DUE,
  status: 'in_progress',
  ...over,
});
const req = (kind: NotificationKind, over: Partial<NotificationRequest> = {}): NotificationRequest => ({
  workflowId: 'action-act-9',
  kind,
  occasion: 'o-1',
  actionId: 'act-9',
  ...over,
});
const escalation = (level: number, reason: string, over: Partial<NotificationRequest> = {}) =>
  req('escalation', { escalation: { id: 'e-1', level, reason: reason as 'overdue' }, ...over });

const DETAILS: MailDetails = {
  description: 'Audit every discharge from the neonatal unit',
  successMeasure: 'Every discharge has a named health visitor',
  acknowledgeWithin: '5 working days',
  boardDecisionWithin: '10 working days',
  stallAfter: '30 days',
  actorName: 'Dr Amira Khan',
};

/** The mail's lines without the blank lines between its parts (the layout is in mail-content.test.ts). */
const lines = (r: NotificationRequest, f: MailFacts = facts(), now = NOW) =>
  compose(r, f, now)
    .text.split('\n')
    .filter((l) => l !== '');
const subject = (r: NotificationRequest, f: MailFacts = facts(), now = NOW) => compose(r, f, now).subject;

const HEAD = ['Review: CSPR-7: Baby M', 'Action: 1.2 Audit discharge planning', 'Agency: City Hospital Trust (NHS)'];
const OPEN = 'Open the action: https://plan.example/actions/act-9';
const ASKED_TITLE = 'What is asked: Audit discharge planning';
const DUE_LINE = 'Due: 15 March 2027';
const IN_PROGRESS = 'Stage: In progress';
const LADDER = "to the agency's lead officer, then the agency's senior manager, then the board's independent chair.";

describe('the assignment', () => {
  it('to a newly named owner: it is theirs now, addressed by name, to them alone', () => {
    const r = req('assignment', { audience: 'owner', detail: { owner: 'Priya Shah' } });
    const f = facts({ owner: { email: 'Priya@NHS.example', name: 'Priya' }, details: DETAILS });
    expect(subject(r, f)).toBe(
      '[CSPR-7 1.2] You are the named owner of 1.2: Audit discharge planning, due 15 March 2027',
    );
    expect(recipients(r, f)).toEqual({ to: ['priya@nhs.example'], cc: [] });
    expect(lines(r, f)).toEqual([
      'Priya, you are now the named owner of action 1.2 from CSPR-7 (Baby M) for City Hospital Trust. It is due on 15 March 2027.',
      ...HEAD,
      'Owner: Priya Shah',
      'What is asked: Audit every discharge from the neonatal unit',
      'Success measure: Every discharge has a named health visitor',
      DUE_LINE,
      IN_PROGRESS,
      'What to do now: open the action and acknowledge it within 5 working days, so the board knows your agency has taken it on.',
      "If it is not acknowledged within 5 working days, it is escalated to the agency's lead officer.",
      "By the due date, send the board a progress statement with evidence that the success measure is met. If you need more time, ask for an extension from the action's page, with the reason and what protects children meanwhile.",
      'A calendar entry for the due date is attached.',
      OPEN,
    ]);
    expect(compose(r, f, NOW).ics).toContain('DTSTART;VALUE=DATE:20270315');
  });

  it('to an owner with no due date: no date, no calendar entry, the owner named from their account', () => {
    const r = req('assignment', { audience: 'owner' });
    const f = facts({ owner: { email: 'p@nhs.example', name: 'Priya' }, dueDate: null });
    expect(subject(r, f)).toBe('[CSPR-7 1.2] You are the named owner of 1.2: Audit discharge planning');
    expect(lines(r, f)).toEqual([
      'Priya, you are now the named owner of action 1.2 from CSPR-7 (Baby M) for City Hospital Trust.',
      ...HEAD,
      'Owner: Priya',
      ASKED_TITLE,
      IN_PROGRESS,
      'What to do now: open the action and acknowledge it, so the board knows your agency has taken it on.',
      "If it is not acknowledged in time, it is escalated to the agency's lead officer.",
      "By the due date, send the board a progress statement with evidence that the success measure is met. If you need more time, ask for an extension from the action's page, with the reason and what protects children meanwhile.",
      OPEN,
    ]);
    expect(compose(r, f, NOW).ics).toBeNull();
  });

  it('the owner mail asked for when the action has no owner (any more) is the agency mail', () => {
    const r = req('assignment', { audience: 'owner' });
    expect(subject(r, facts({ owner: null }))).toBe(
      '[CSPR-7 1.2] New action for City Hospital Trust: Audit discharge planning, due 15 March 2027',
    );
    expect(lines(r, facts({ owner: null }))).not.toContainEqual(expect.stringMatching(/^Owner:/));
  });
});

describe('the reminder says when, counted on days in London', () => {
  it.each([
    ['due later today', '2027-03-01T23:30:00Z', 'today, on 1 March 2027'],
    ['due tomorrow', '2027-03-02T00:30:00Z', 'tomorrow, on 2 March 2027'],
    ['due in two days', '2027-03-03T00:30:00Z', 'in 2 days, on 3 March 2027'],
  ])('%s', (_label, due, words) => {
    expect(subject(req('reminder'), facts({ dueDate: new Date(due) }))).toBe(
      `[CSPR-7 1.2] Reminder: 1.2 is due ${words}`,
    );
  });

  it('in summer time the days are London days, not UTC days', () => {
    // 00:30 on 1 April in London is still 31 March in UTC.
    const due = new Date('2027-04-01T22:30:00Z');
    expect(subject(req('reminder'), facts({ dueDate: due }), new Date('2027-03-31T23:30:00Z'))).toBe(
      '[CSPR-7 1.2] Reminder: 1.2 is due today, on 1 April 2027',
    );
    expect(subject(req('reminder'), facts({ dueDate: due }), new Date('2027-03-30T23:30:00Z'))).toBe(
      '[CSPR-7 1.2] Reminder: 1.2 is due tomorrow, on 1 April 2027',
    );
  });

  it('an action not yet acknowledged is asked to acknowledge it first', () => {
    expect(lines(req('reminder'), facts({ status: 'assigned' }))).toEqual([
      'Action 1.2 (Audit discharge planning) for City Hospital Trust is due on 15 March 2027.',
      ...HEAD,
      ASKED_TITLE,
      DUE_LINE,
      'Stage: Assigned, not yet acknowledged',
      'What to do now: acknowledge the action, then send the board your progress statement and evidence before the due date.',
      'If the due date passes without evidence, the action becomes overdue and is escalated.',
      OPEN,
    ]);
  });

  it('an action in progress is asked for evidence, or to ask for more time', () => {
    expect(lines(req('reminder'))).toContain(
      'What to do now: send the board your progress statement and evidence before the due date, or ask for an extension if you need more time.',
    );
  });
});

describe('the overdue notice', () => {
  it('says when it was due, what to send, and the whole ladder', () => {
    expect(subject(req('overdue'))).toBe('[CSPR-7 1.2] Overdue: 1.2 was due on 15 March 2027');
    expect(lines(req('overdue'), facts({ details: DETAILS }))).toEqual([
      'Action 1.2 (Audit discharge planning) for City Hospital Trust was due on 15 March 2027, and the board has no evidence yet that it is done.',
      ...HEAD,
      'What is asked: Audit every discharge from the neonatal unit',
      'Success measure: Every discharge has a named health visitor',
      DUE_LINE,
      IN_PROGRESS,
      'What to do now: send your progress statement and evidence, or ask the board for an extension with the reason and the interim measures that protect children meanwhile.',
      `If nothing arrives, it is escalated step by step: ${LADDER}`,
      OPEN,
    ]);
  });
});

describe('an escalation says why, who is told now, what ends it and who is told next', () => {
  it.each([
    [
      1,
      'not_acknowledged',
      "Escalated to the agency's lead officer: 1.2 not acknowledged",
      'has not been acknowledged',
      'What is needed: the agency acknowledges the action on its page, which ends this escalation.',
      "If nothing changes, it is escalated further, to the agency's senior manager.",
    ],
    [
      2,
      'overdue',
      "Escalated to the agency's senior manager: 1.2 overdue",
      'is overdue: it was due on 15 March 2027',
      'What is needed: the agency sends its evidence, or asks the board for an extension with the reason and interim measures.',
      "If nothing changes, it is escalated further, to the board's independent chair.",
    ],
    [
      3,
      'stalled',
      "Escalated to the board's independent chair: 1.2 no progress update",
      'has had no progress update for a long time',
      'What is needed: the agency sends a progress statement or evidence, which ends this escalation.',
      'This is the last step: the chair follows it up with the agency.',
    ],
    [
      1,
      'impact_evidence_missing',
      "Escalated to the agency's lead officer: 1.2 no evidence of impact",
      'was closed as implemented, but the evidence of its impact the board asked for has not come',
      "What is needed: the agency sends evidence of the action's impact from its page, which ends this escalation.",
      "If nothing changes, it is escalated further, to the agency's senior manager.",
    ],
  ])('level %i, %s', (level, reason, headline, why, needed, next) => {
    expect(subject(escalation(level, reason))).toBe(`[CSPR-7 1.2] ${headline}`);
    const who = headline.slice('Escalated to '.length, headline.indexOf(':'));
    expect(lines(escalation(level, reason))).toEqual([
      `Action 1.2 (Audit discharge planning) for City Hospital Trust ${why}. This is escalation level ${level} of 3, so ${who} is told.`,
      ...HEAD,
      ASKED_TITLE,
      DUE_LINE,
      IN_PROGRESS,
      needed,
      next,
      OPEN,
    ]);
  });

  it('a stalled action says for how long, from the policy', () => {
    expect(lines(escalation(1, 'stalled'), facts({ details: DETAILS }))[0]).toBe(
      "Action 1.2 (Audit discharge planning) for City Hospital Trust has had no progress update for 30 days. This is escalation level 1 of 3, so the agency's lead officer is told.",
    );
  });

  it("the board's delay on evidence asks a board member to decide, and nothing of the agency", () => {
    expect(lines(escalation(3, 'awaiting_board'))).toEqual([
      "Action 1.2 (Audit discharge planning) for City Hospital Trust has evidence that has been waiting too long for the board to decide on it. This is escalation level 3 of 3, so the board's independent chair is told.",
      ...HEAD,
      ASKED_TITLE,
      DUE_LINE,
      IN_PROGRESS,
      'What is needed: a board member decides on the evidence, to approve it, ask for changes, or close the action as not implemented with the reason.',
      OPEN,
    ]);
  });

  it("the board's delay on an extension request asks for that decision alone", () => {
    const r = escalation(3, 'awaiting_board', { occasion: 'escalation:awaiting_board:extension:1790000000000' });
    const l = lines(r);
    expect(l[0]).toBe(
      "Action 1.2 (Audit discharge planning) for City Hospital Trust has an extension request that has been waiting too long for the board to decide on it. This is escalation level 3 of 3, so the board's independent chair is told.",
    );
    expect(l.slice(-2)).toEqual([
      "What is needed: a board member decides on the action's page whether to approve or refuse the request for more time.",
      OPEN,
    ]);
  });

  it('an occasion that only mentions an extension is not the extension wait', () => {
    const r = escalation(3, 'awaiting_board', { occasion: 'escalation:awaiting_board:evidence:extension' });
    expect(lines(r)[0]).toContain('has evidence that has been waiting too long');
  });

  it('an extension-wait occasion for another reason keeps that reason', () => {
    const r = escalation(1, 'overdue', { occasion: 'escalation:awaiting_board:extension:1' });
    expect(lines(r)[0]).toContain('is overdue: it was due on 15 March 2027');
  });

  it('a reason it does not know reads as overdue, and the subject says it needs attention', () => {
    expect(subject(escalation(1, 'something_new'))).toBe(
      "[CSPR-7 1.2] Escalated to the agency's lead officer: 1.2 needs attention",
    );
    expect(lines(escalation(1, 'something_new'))[0]).toContain('is overdue: it was due on 15 March 2027');
  });

  it('a level above 3 is told to the chair as the last step; below 1, to the lead', () => {
    expect(subject(escalation(4, 'overdue'))).toBe(
      "[CSPR-7 1.2] Escalated to the board's independent chair: 1.2 overdue",
    );
    expect(lines(escalation(4, 'overdue'))).toContain(
      'This is the last step: the chair follows it up with the agency.',
    );
    expect(subject(escalation(0, 'overdue'))).toBe("[CSPR-7 1.2] Escalated to the agency's lead officer: 1.2 overdue");
  });
});

describe('evidence for the board', () => {
  const withEvidence = (evidence: MailDetails['evidence'], more: MailDetails = {}) =>
    facts({ details: { ...more, evidence } });

  it('counts the files and links, names the files, and says when the chair is told', () => {
    const f = withEvidence({ statement: 'Audit done.', links: 3, files: ['audit.pdf', 'sample.xlsx'] }, DETAILS);
    expect(subject(req('evidence_submitted'), f)).toBe(
      '[CSPR-7 1.2] Evidence to decide on: 1.2 from City Hospital Trust',
    );
    expect(lines(req('evidence_submitted'), f)).toEqual([
      'Dr Amira Khan (City Hospital Trust) sent the board a progress statement with 2 files and 3 links for action 1.2 (Audit discharge planning).',
      ...HEAD,
      'Statement: Audit done.',
      'Files: audit.pdf, sample.xlsx',
      'Success measure: Every discharge has a named health visitor',
      DUE_LINE,
      IN_PROGRESS,
      'What the board needs to do: read the evidence and decide whether to approve it (the action closes as implemented), ask for changes (it goes back to the agency), or close it as not implemented (the reason is published).',
      "If there is no decision within 10 working days, the board's independent chair is told.",
      OPEN,
    ]);
  });

  it.each([
    [{ links: 2, files: [] }, 'a progress statement with 2 links for'],
    [{ links: 1, files: [] }, 'a progress statement with 1 link for'],
    [{ links: 0, files: ['a.pdf'] }, 'a progress statement with 1 file for'],
    [{ links: 0, files: [] }, 'a progress statement for'],
  ])('%j: "%s"', (counts, words) => {
    const l = lines(req('evidence_submitted'), withEvidence({ statement: 'Done.', ...counts }));
    expect(l[0]).toBe(
      `The agency (City Hospital Trust) sent the board ${words} action 1.2 (Audit discharge planning).`,
    );
    expect(l.some((x) => x.startsWith('Files:'))).toBe(counts.files.length > 0);
  });

  it('without the evidence looked up: no statement, and the chair is told "in time"', () => {
    const l = lines(req('evidence_submitted'));
    expect(l[0]).toBe(
      'The agency (City Hospital Trust) sent the board a progress statement for action 1.2 (Audit discharge planning).',
    );
    expect(l.some((x) => x.startsWith('Statement:'))).toBe(false);
    expect(l).toContain("If there is no decision in time, the board's independent chair is told.");
  });

  it('a long statement is cut at a word, with the rest on the action page', () => {
    const word = 'safeguarding '; // 13 characters
    const statement = word.repeat(60).trim(); // 779 characters
    const shown = lines(req('evidence_submitted'), withEvidence({ statement, links: 0, files: [] })).find((x) =>
      x.startsWith('Statement: '),
    )!;
    // 46 whole words (597 characters with their spaces, the last space dropped), then the ellipsis.
    expect(shown).toBe(`Statement: ${word.repeat(46).trim()} …`);
  });

  it('the cut takes the whole run of spaces before the cut word', () => {
    const statement = `${'a'.repeat(590)}  bbbbbbbbbbbbbbbb`;
    const l = lines(req('evidence_submitted'), withEvidence({ statement, links: 0, files: [] }));
    expect(l).toContain(`Statement: ${'a'.repeat(590)} …`);
  });

  it('a statement of exactly 600 characters is shown whole', () => {
    const statement = `${'a'.repeat(299)} ${'b'.repeat(300)}`;
    const l = lines(req('evidence_submitted'), withEvidence({ statement, links: 0, files: [] }));
    expect(l).toContain(`Statement: ${statement}`);
  });
});

describe('an extension request', () => {
  const extension = (previous: string, next: string, requestedBy: string | null = 'Sam Officer') => ({
    previousDueDate: new Date(previous),
    newDueDate: new Date(next),
    reason: 'The auditor left',
    interimMeasures: 'Daily checks by the ward manager',
    requestedBy,
  });

  it('the first: who asks, from when to when and how far, why, and what protects children meanwhile', () => {
    const f = facts({
      details: { ...DETAILS, extension: extension('2027-03-15T12:00:00Z', '2027-03-20T12:00:00Z') },
    });
    expect(subject(req('extension_requested'), f)).toBe('[CSPR-7 1.2] Extension requested: 1.2 to 20 March 2027');
    expect(recipients(req('extension_requested'), f)).toEqual({ to: ['member@lscp.example'], cc: [] });
    expect(lines(req('extension_requested'), f)).toEqual([
      'Sam Officer (City Hospital Trust) asks to move the due date of action 1.2 (Audit discharge planning) from 15 March 2027 to 20 March 2027, 5 days later.',
      ...HEAD,
      'Due now: 15 March 2027',
      'Reason for the delay: The auditor left',
      'Interim measures that protect children meanwhile: Daily checks by the ward manager',
      'Success measure: Every discharge has a named health visitor',
      IN_PROGRESS,
      "What the board needs to do: decide on the action's page whether to approve or refuse the request. Until then the current due date stands.",
      "If there is no decision within 10 working days, the board's independent chair is told.",
      OPEN,
    ]);
  });

  it('the requester falls back to the person who acted, then to the agency', () => {
    const x = extension('2027-03-15T12:00:00Z', '2027-03-16T12:00:00Z', null);
    expect(lines(req('extension_requested'), facts({ details: { actorName: 'Jo', extension: x } }))[0]).toMatch(
      /^Jo \(City Hospital Trust\) asks .* from 15 March 2027 to 16 March 2027, 1 day later\.$/,
    );
    expect(lines(req('extension_requested'))[0]).toBe(
      'The agency (City Hospital Trust) asks to move the due date of action 1.2 (Audit discharge planning).',
    );
    expect(subject(req('extension_requested'))).toBe('[CSPR-7 1.2] Extension requested: 1.2 to a later date');
  });

  it.each([
    [2, 'second'],
    [3, 'third'],
    [4, 'fourth'],
    [5, 'fifth'],
    [6, 'number 6'],
  ])('request %i says it is the %s, and the chair has a copy', (n, which) => {
    const f = facts({ extensionRequests: n });
    expect(subject(req('extension_requested'), f)).toBe('[CSPR-7 1.2] Extension requested again: 1.2 to a later date');
    expect(recipients(req('extension_requested'), f)).toEqual({
      to: ['member@lscp.example'],
      cc: ['chair@lscp.example'],
    });
    expect(lines(req('extension_requested'), f).slice(-2)).toEqual([
      `This is the ${which} request for more time on this action, so the board's independent chair has a copy of this mail.`,
      OPEN,
    ]);
  });

  it('a repeated request to a board the chair sits on: the chair is not copied twice', () => {
    const f = facts({ extensionRequests: 2, boardEmails: ['member@lscp.example', 'Chair@LSCP.example'] });
    expect(recipients(req('extension_requested'), f)).toEqual({
      to: ['member@lscp.example', 'chair@lscp.example'],
      cc: [],
    });
  });
});

describe('moveWords: how far a due date moves', () => {
  const from = new Date('2027-03-15T12:00:00Z');
  const by = (days: number) => moveWords(from, new Date(from.getTime() + days * 86_400_000));
  it.each([
    [0, '0 days later'],
    [1, '1 day later'],
    [-1, '1 day earlier'],
    [5, '5 days later'],
    [-13, '13 days earlier'],
    [14, 'about 2 weeks later'],
    [-20, 'about 3 weeks earlier'],
    [59, 'about 8 weeks later'],
    [60, 'about 2 months later'],
    [-61, 'about 2 months earlier'],
    [243, 'about 8 months later'],
  ])('%i days: %s', (days, words) => {
    expect(by(days)).toBe(words);
  });

  it('a move across the clock change is still whole days', () => {
    expect(moveWords(new Date('2027-03-27T12:00:00Z'), new Date('2027-03-29T11:00:00Z'))).toBe('2 days later');
  });
});

describe('the decisions on evidence and on extensions', () => {
  const decision = (detail: Record<string, string>) => req('decision', { detail });

  it('approved: who decided, and nothing more is asked', () => {
    const r = decision({ outcome: 'approve', comment: 'Well evidenced' });
    expect(lines(r, facts({ details: DETAILS, status: 'closed' }))).toEqual([
      'Dr Amira Khan approved the evidence for action 1.2 (Audit discharge planning). The action is closed as implemented.',
      ...HEAD,
      "Board's comment: Well evidenced",
      'Stage: Closed',
      'Nothing more is asked of City Hospital Trust for this action.',
      OPEN,
    ]);
    expect(lines(decision({ outcome: 'approve' }), facts({ agency: null }))).toEqual([
      'The board approved the evidence for action 1.2 (Audit discharge planning). The action is closed as implemented.',
      'Review: CSPR-7: Baby M',
      'Action: 1.2 Audit discharge planning',
      IN_PROGRESS,
      'Nothing more is asked of the agency for this action.',
      OPEN,
    ]);
  });

  it('changes requested: what the board asks for, and by when to send it again', () => {
    const r = decision({ outcome: 'request_changes', comment: 'Add the audit' });
    expect(lines(r)).toEqual([
      'The board looked at the evidence for action 1.2 (Audit discharge planning) and asks City Hospital Trust for changes before it can be signed off.',
      ...HEAD,
      'What the board asks for: Add the audit',
      DUE_LINE,
      IN_PROGRESS,
      "What to do now: revise the progress statement or the evidence and send it again from the action's page, by 15 March 2027.",
      'If the due date passes without evidence, the action becomes overdue and is escalated.',
      OPEN,
    ]);
    expect(lines(r, facts({ dueDate: null }))).toContain(
      "What to do now: revise the progress statement or the evidence and send it again from the action's page.",
    );
  });

  it.each([
    [
      'close_not_implemented',
      'Service decommissioned',
      'Closed as not implemented: 1.2 Audit discharge planning',
      'The board closed action 1.2 (Audit discharge planning) as not implemented. The reason is published in the progress statement.',
      'Reason: Service decommissioned',
    ],
    [
      'cancelled',
      'Duplicate of 1.3',
      'Cancelled: 1.2 Audit discharge planning',
      'The board cancelled action 1.2 (Audit discharge planning). It will not be chased any more.',
      'Reason: Duplicate of 1.3',
    ],
  ])('%s: the reason, and nothing more is asked', (outcome, comment, headline, lead, reason) => {
    const r = decision({ outcome, comment });
    expect(subject(r)).toBe(`[CSPR-7 1.2] ${headline}`);
    expect(lines(r)).toEqual([
      lead,
      ...HEAD,
      reason,
      IN_PROGRESS,
      'Nothing more is asked of City Hospital Trust for this action.',
      OPEN,
    ]);
  });

  it('an outcome it does not know: the decision is recorded, the page says the rest', () => {
    expect(lines(decision({ comment: 'Noted' }))).toEqual([
      'The board recorded a decision on action 1.2 (Audit discharge planning).',
      ...HEAD,
      "Board's comment: Noted",
      IN_PROGRESS,
      "The action's page shows the decision and what is asked next.",
      OPEN,
    ]);
  });

  it('an extension approved without its details looked up: the due date on record', () => {
    const r = decision({ extension: 'approve' });
    expect(subject(r)).toBe('[CSPR-7 1.2] Extension approved: 1.2 now due 15 March 2027');
    expect(lines(r)).toEqual([
      'The board approved more time for action 1.2 (Audit discharge planning). It is now due on 15 March 2027.',
      ...HEAD,
      IN_PROGRESS,
      'What to do now: carry on with the action and send the board your progress statement and evidence by 15 March 2027.',
      'Reminders will come before the new date; if it passes without evidence, the action becomes overdue and is escalated.',
      OPEN,
    ]);
  });

  it('an extension refused: the date stands, and the board says why', () => {
    const r = decision({ extension: 'reject', comment: 'Interim measures are not enough' });
    expect(lines(r)).toEqual([
      'The board refused the request to move action 1.2 (Audit discharge planning). It is still due on 15 March 2027.',
      ...HEAD,
      "Board's reason: Interim measures are not enough",
      IN_PROGRESS,
      'What to do now: send the board your progress statement and evidence by 15 March 2027.',
      'If the date passes without evidence, the action becomes overdue and is escalated.',
      OPEN,
    ]);
  });
});

describe('the impact check after closure', () => {
  it('the request: was the learning embedded, how it is measured, what to send', () => {
    const r = req('impact_request');
    const f = facts({ details: DETAILS, status: 'closed' });
    expect(subject(r, f)).toBe('[CSPR-7 1.2] Is the learning embedded? Evidence of impact asked for 1.2');
    expect(recipients(r, f)).toEqual({ to: ['lead@nhs.example'], cc: [] });
    expect(lines(r, f)).toEqual([
      'Action 1.2 (Audit discharge planning) for City Hospital Trust was closed as implemented. The board now asks whether it made a difference: please send evidence of its impact.',
      ...HEAD,
      'What was asked: Audit every discharge from the neonatal unit',
      'How impact is measured: Every discharge has a named health visitor',
      'Stage: Closed',
      "What to do now: on the action's page, send a short statement of the impact, what was measured and how (for example an audit, a sample of case files or a survey), and any files.",
      `If it does not come, reminders follow and it is escalated step by step: ${LADDER}`,
      OPEN,
    ]);
    expect(lines(r, facts({ status: 'closed' }))).toContain('What was asked: Audit discharge planning');
  });

  it('the reminder', () => {
    const r = req('impact_reminder');
    expect(subject(r)).toBe('[CSPR-7 1.2] Reminder: evidence of impact is due for 1.2');
    expect(recipients(r, facts())).toEqual({ to: ['lead@nhs.example'], cc: [] });
    expect(lines(r, facts({ details: DETAILS, status: 'closed' }))).toEqual([
      'The board is still waiting for evidence that action 1.2 (Audit discharge planning) for City Hospital Trust made a difference.',
      ...HEAD,
      'How impact is measured: Every discharge has a named health visitor',
      'Stage: Closed',
      "What to do now: send the evidence of impact from the action's page: a statement, what was measured and how, and any files.",
      'If nothing arrives, it is escalated.',
      OPEN,
    ]);
  });

  it('the evidence, to the board', () => {
    const r = req('impact_evidence_submitted');
    expect(subject(r)).toBe('[CSPR-7 1.2] Evidence of impact to decide on: 1.2 from City Hospital Trust');
    expect(recipients(r, facts())).toEqual({ to: ['member@lscp.example'], cc: [] });
    expect(lines(r, facts({ details: DETAILS, status: 'closed' }))).toEqual([
      'Dr Amira Khan (City Hospital Trust) sent the board evidence of the impact of action 1.2 (Audit discharge planning).',
      ...HEAD,
      'How impact is measured: Every discharge has a named health visitor',
      'Stage: Closed',
      "What the board needs to do: read the evidence on the action's page and decide whether the learning is embedded. If it is not, say why: a follow-up action is created for the same agency.",
      OPEN,
    ]);
    expect(lines(r)[0]).toBe(
      'The agency (City Hospital Trust) sent the board evidence of the impact of action 1.2 (Audit discharge planning).',
    );
  });

  const impact = (detail: Record<string, string>) => req('impact_decision', { detail });

  it('embedded: nothing more is asked', () => {
    const r = impact({ outcome: 'evidenced', comment: 'The audit shows it' });
    expect(subject(r)).toBe('[CSPR-7 1.2] Learning embedded: 1.2 Audit discharge planning');
    expect(recipients(r, facts())).toEqual({ to: ['lead@nhs.example'], cc: [] });
    expect(lines(r, facts({ details: DETAILS, status: 'closed' }))).toEqual([
      'Dr Amira Khan looked at the evidence of impact for action 1.2 (Audit discharge planning) and found that the learning is embedded.',
      ...HEAD,
      "Board's comment: The audit shows it",
      'Stage: Closed',
      'Nothing more is asked of City Hospital Trust for this action.',
      OPEN,
    ]);
  });

  it('not embedded: the reason and the follow-up action, its due date in words', () => {
    const r = impact({ outcome: 'not_embedded', comment: 'No audit', followUp: '1.2a due 2027-09-01' });
    expect(subject(r)).toBe('[CSPR-7 1.2] Learning not yet embedded: 1.2 Audit discharge planning');
    expect(lines(r, facts({ status: 'closed' }))).toEqual([
      'The board looked at the evidence of impact for action 1.2 (Audit discharge planning) and found that the learning is not yet embedded.',
      ...HEAD,
      "Board's reason: No audit",
      'Follow-up action: Action 1.2a, due 1 September 2027',
      'Stage: Closed',
      'What to do now: open the follow-up action, acknowledge it, and send the board evidence by its due date. It has reminders and escalations of its own.',
      OPEN,
    ]);
  });

  it('a follow-up in another form is shown as written; none, no line', () => {
    expect(lines(impact({ outcome: 'not_embedded', followUp: 'see 1.2a' }))).toContain('Follow-up action: see 1.2a');
    expect(lines(impact({ outcome: 'not_embedded', followUp: '1.2a due 2027-09-01 or later' }))).toContain(
      'Follow-up action: 1.2a due 2027-09-01 or later',
    );
    expect(lines(impact({ outcome: 'not_embedded' })).some((x) => x.startsWith('Follow-up'))).toBe(false);
  });

  it('waived, and an outcome it does not know', () => {
    const waived = impact({ outcome: 'waived', comment: 'Service closed' });
    expect(subject(waived)).toBe('[CSPR-7 1.2] No impact check needed: 1.2 Audit discharge planning');
    expect(lines(waived)).toEqual([
      'The board decided that action 1.2 (Audit discharge planning) needs no check of its impact.',
      ...HEAD,
      'Reason: Service closed',
      IN_PROGRESS,
      'Nothing more is asked of City Hospital Trust for this action.',
      OPEN,
    ]);
    const other = req('impact_decision');
    expect(subject(other)).toBe('[CSPR-7 1.2] The board has decided on the impact of 1.2 Audit discharge planning');
    expect(lines(other)).toEqual([
      'The board recorded a decision on the impact of action 1.2 (Audit discharge planning).',
      ...HEAD,
      IN_PROGRESS,
      "The action's page shows the decision and what is asked next.",
      OPEN,
    ]);
  });

  it('the ladder for missing impact evidence names the owner in copy, like any escalation', () => {
    const f = facts({ owner: { email: 'owner@nhs.example', name: 'O' } });
    expect(recipients(escalation(2, 'impact_evidence_missing'), f)).toEqual({
      to: ['director@nhs.example'],
      cc: ['lead@nhs.example', 'owner@nhs.example'],
    });
  });
});

describe("the chair's challenge", () => {
  const challenge = (over: Partial<NotificationRequest> = {}) =>
    req('chair_challenge', {
      challengeTo: 'senior',
      detail: { challenge: 'Why has nobody acknowledged this?', escalation: 'not_acknowledged' },
      ...over,
    });

  it('the challenge, why it was escalated in words, and how to answer', () => {
    expect(subject(challenge())).toBe(
      '[CSPR-7 1.2] A challenge from the independent chair: 1.2 Audit discharge planning',
    );
    expect(lines(challenge())).toEqual([
      "The board's independent chair has looked at the escalation of action 1.2 (Audit discharge planning) for City Hospital Trust and asks for an answer.",
      ...HEAD,
      "The chair's challenge: Why has nobody acknowledged this?",
      'Why it was escalated: not acknowledged',
      DUE_LINE,
      IN_PROGRESS,
      "What to do now: reply to the chair (this mail's copy goes to them) with what your agency will do and by when. The chair records your response on the action's page.",
      'Until the chair closes the escalation it stays open, and the board sees it.',
      OPEN,
    ]);
    const words = lines(challenge({ detail: { challenge: 'x', escalation: 'impact_evidence_missing' } }));
    expect(words).toContain('Why it was escalated: impact evidence missing');
  });

  it('to the senior manager, or the lead when the agency has none; the chair in copy once', () => {
    expect(recipients(challenge(), facts())).toEqual({ to: ['director@nhs.example'], cc: ['chair@lscp.example'] });
    const noSenior = facts({ agency: { ...facts().agency!, seniorEmail: null } });
    expect(recipients(challenge(), noSenior)).toEqual({ to: ['lead@nhs.example'], cc: ['chair@lscp.example'] });
    const chairLeads = facts({ agency: { ...facts().agency!, leadEmail: 'CHAIR@lscp.example' } });
    expect(recipients(challenge({ challengeTo: 'lead' }), chairLeads)).toEqual({
      to: ['chair@lscp.example'],
      cc: [],
    });
  });

  it('without the words looked up, or for a recommendation without an agency: what is known', () => {
    const bare = lines(req('chair_challenge'), facts({ dueDate: null }));
    expect(bare.some((x) => x.startsWith("The chair's challenge") || x.startsWith('Why it was escalated'))).toBe(false);
    const noEscalation = lines(challenge({ detail: { challenge: 'Why?' } }));
    expect(noEscalation).toContain("The chair's challenge: Why?");
    expect(noEscalation.some((x) => x.startsWith('Why it was escalated'))).toBe(false);
    expect(recipients(challenge(), facts({ agency: null }))).toEqual({ to: [], cc: ['chair@lscp.example'] });
  });

  it('a named owner does not change who the challenge is for', () => {
    const f = facts({ owner: { email: 'owner@nhs.example', name: 'O' } });
    expect(recipients(challenge(), f)).toEqual({ to: ['director@nhs.example'], cc: ['chair@lscp.example'] });
  });
});

describe('a finished recommendation', () => {
  const rec = facts({ actionId: null, agency: null, dueDate: null, status: null });
  const finished = (status?: string) =>
    req('recommendation_complete', { actionId: undefined, ...(status ? { detail: { status } } : {}) });

  it.each([
    ['implemented', 'implemented', 'every action under it was implemented'],
    ['not_implemented', 'not implemented', 'none of its actions was implemented'],
    ['cancelled', 'all actions cancelled', 'all of its actions were cancelled'],
    [
      'partly_implemented',
      'partly implemented',
      'some of its actions were implemented and others were closed as not implemented',
    ],
  ])('%s', (status, short, words) => {
    expect(subject(finished(status), rec)).toBe(`[CSPR-7 1.2] Recommendation 1.2 finished: ${short}`);
    expect(lines(finished(status), rec)).toEqual([
      `Every action under recommendation 1.2 of CSPR-7 is closed or cancelled: ${words}.`,
      'Review: CSPR-7: Baby M',
      'Recommendation: 1.2 Audit discharge planning',
      'Nothing is asked. The progress statement shows how each action ended and why.',
      'Open the reviews: https://plan.example/reviews',
    ]);
  });

  it('the status from the request, else from the facts, else words that fit any ending', () => {
    expect(subject(finished(), { ...rec, status: 'implemented' })).toBe(
      '[CSPR-7 1.2] Recommendation 1.2 finished: implemented',
    );
    expect(subject(finished('cancelled'), { ...rec, status: 'implemented' })).toBe(
      '[CSPR-7 1.2] Recommendation 1.2 finished: all actions cancelled',
    );
    expect(subject(finished(), rec)).toBe('[CSPR-7 1.2] Recommendation 1.2 finished: every action closed');
    expect(lines(finished(), rec)[0]).toBe(
      'Every action under recommendation 1.2 of CSPR-7 is closed or cancelled: the progress statement shows how each ended.',
    );
  });

  it('the HTML links to the reviews; an action mail links to the action', () => {
    expect(compose(finished('implemented'), rec, NOW).html).toContain(
      '<p><a href="https://plan.example/reviews">Open the reviews</a></p></body></html>',
    );
    expect(compose(req('overdue'), facts(), NOW).html).toContain(
      '<p><a href="https://plan.example/actions/act-9">Open action CSPR-7 1.2</a></p></body></html>',
    );
  });
});

describe('the facts block', () => {
  it('leaves out what is empty or unknown: a blank description gives the title, a blank measure no line', () => {
    const f = facts({ details: { description: '', successMeasure: '' } });
    const l = lines(req('overdue'), f);
    expect(l).toContain(ASKED_TITLE);
    expect(l.some((x) => x.startsWith('Success measure'))).toBe(false);
  });

  it('a stage only for an action with a status it can name', () => {
    expect(lines(req('overdue'), facts({ status: 'under_review' }))).toContain('Stage: Evidence with the board');
    expect(lines(req('overdue'), facts({ status: 'something_else' })).some((x) => x.startsWith('Stage'))).toBe(false);
    expect(lines(req('overdue'), facts({ status: null })).some((x) => x.startsWith('Stage'))).toBe(false);
    const noAction = facts({ actionId: null, status: 'in_progress' });
    expect(lines(req('overdue'), noAction).some((x) => x.startsWith('Stage'))).toBe(false);
  });

  it('in HTML: a heading, each fact as a term and its words, each ask a paragraph', () => {
    const html = compose(req('overdue'), facts(), NOW).html;
    expect(html).toMatch(/^<!doctype html><html><body><h1>Overdue: 1\.2 was due on 15 March 2027<\/h1><p>Action 1\.2 /);
    expect(html).toContain(
      '<dl><dt><strong>Review</strong></dt><dd style="white-space:pre-wrap">CSPR-7: Baby M</dd><dt><strong>Action</strong></dt>',
    );
    expect(html).toContain(
      '<dt><strong>Stage</strong></dt><dd style="white-space:pre-wrap">In progress</dd></dl><p>What to do now: send your progress statement',
    );
    expect(html).toContain(`<p>If nothing arrives, it is escalated step by step: ${LADDER.replace(/'/g, '&#39;')}</p>`);
  });
});

describe('recipients of the kinds the common tests leave out', () => {
  it.each(['impact_request', 'impact_reminder', 'impact_decision', 'assignment'] as const)(
    '%s goes to the whole agency, each address once in lower case',
    (kind) => {
      const f = facts({
        agency: { ...facts().agency!, userEmails: ['A@nhs.example', 'a@NHS.example', 'Lead@nhs.example'] },
      });
      expect(recipients(req(kind), f)).toEqual({ to: ['lead@nhs.example', 'a@nhs.example'], cc: [] });
    },
  );

  it('board mail goes to each member once, in lower case', () => {
    const f = facts({ boardEmails: ['M@lscp.example', 'm@lscp.example', 'other@lscp.example'] });
    expect(recipients(req('impact_evidence_submitted'), f)).toEqual({
      to: ['m@lscp.example', 'other@lscp.example'],
      cc: [],
    });
  });

  it("the board's own delay is not the owner's: the chair, the board in copy, no owner", () => {
    const f = facts({ owner: { email: 'owner@nhs.example', name: 'O' } });
    expect(recipients(escalation(1, 'awaiting_board'), f)).toEqual({
      to: ['chair@lscp.example'],
      cc: ['member@lscp.example'],
    });
  });

  it('an escalation without its level or reason, to an owned action: level 1, the owner in copy', () => {
    const f = facts({ owner: { email: 'owner@nhs.example', name: 'O' } });
    expect(recipients(req('escalation'), f)).toEqual({ to: ['lead@nhs.example'], cc: ['owner@nhs.example'] });
  });

  it('level 2 with no agency on record: nobody from an agency', () => {
    expect(recipients(escalation(2, 'overdue'), facts({ agency: null }))).toEqual({ to: [], cc: [] });
  });

  it('an owner who is also the senior manager at level 2 is not copied to themselves', () => {
    const f = facts({ owner: { email: 'Director@nhs.example', name: 'D' } });
    expect(recipients(escalation(2, 'overdue'), f)).toEqual({ to: ['director@nhs.example'], cc: ['lead@nhs.example'] });
  });

  it('the owner receives the decision, the lead in copy; the owner mail of any kind goes to the owner alone', () => {
    const f = facts({ owner: { email: 'owner@nhs.example', name: 'O' } });
    expect(recipients(req('decision'), f)).toEqual({ to: ['owner@nhs.example'], cc: ['lead@nhs.example'] });
    expect(recipients(req('impact_request'), f)).toEqual({ to: ['lead@nhs.example'], cc: [] });
    expect(recipients(req('reminder', { audience: 'owner' }), f)).toEqual({ to: ['owner@nhs.example'], cc: [] });
  });
});

describe('the calendar entry', () => {
  it('is stamped to the second, without milliseconds', () => {
    const ics = icsFor(facts(), 'l', new Date('2027-03-01T10:00:05.678Z'));
    expect(ics).toContain('\r\nDTSTAMP:20270301T100005Z\r\n');
  });

  it('every kind of line break in the title becomes an escaped \\n', () => {
    const ics = icsFor(facts({ title: 'a\r\nb\rc\nd' }), 'l', NOW);
    expect(ics).toContain('\r\nSUMMARY:Due: CSPR-7 1.2 a\\nb\\nc\\nd\r\n');
  });

  it('a due date late in the evening of a summer day is on that day in London', () => {
    const ics = icsFor(facts({ dueDate: new Date('2027-06-30T23:30:00Z') }), 'l', NOW);
    expect(ics).toContain('DTSTART;VALUE=DATE:20270701\r\nDTEND;VALUE=DATE:20270702');
  });
});

describe('foldIcsLine: 75 octets a line, the continuation space counted, never inside a character', () => {
  it('a line of 75 octets is left alone; 76 folds the last one onto a continuation line', () => {
    expect(foldIcsLine('x'.repeat(75))).toBe('x'.repeat(75));
    expect(foldIcsLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
  });

  it('continuation lines hold 74 octets after their space', () => {
    expect(foldIcsLine('x'.repeat(75 + 74))).toBe(`${'x'.repeat(75)}\r\n ${'x'.repeat(74)}`);
    expect(foldIcsLine('x'.repeat(75 + 75))).toBe(`${'x'.repeat(75)}\r\n ${'x'.repeat(74)}\r\n x`);
  });

  it('two-octet characters are kept whole', () => {
    const folded = foldIcsLine('é'.repeat(40));
    expect(folded).toBe(`${'é'.repeat(37)}\r\n ${'é'.repeat(3)}`);
    for (const line of folded.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  });

  it('an empty line stays empty', () => {
    expect(foldIcsLine('')).toBe('');
  });
});

describe('the owner mail when the action has no owner', () => {
  it('goes to the agency, not to a missing owner', () => {
    const r = req('assignment', { audience: 'owner' });
    expect(recipients(r, facts({ owner: null }))).toEqual({ to: ['lead@nhs.example'], cc: [] });
    expect(recipients(r, facts({ owner: undefined }))).toEqual({ to: ['lead@nhs.example'], cc: [] });
  });
});

describe('what the first round of mutation testing found unsaid', () => {
  const x = {
    previousDueDate: new Date('2027-03-15T12:00:00Z'),
    newDueDate: new Date('2027-04-30T12:00:00Z'),
    reason: 'The auditor left',
    interimMeasures: 'Daily checks by the ward manager',
    requestedBy: 'Sam Officer',
  };

  it('an assignment to the agency without a due date: no date in the subject or the opening line', () => {
    const f = facts({ dueDate: null, status: 'assigned' });
    expect(subject(req('assignment'), f)).toBe(
      '[CSPR-7 1.2] New action for City Hospital Trust: Audit discharge planning',
    );
    expect(lines(req('assignment'), f)[0]).toBe('City Hospital Trust has been given action 1.2 from CSPR-7 (Baby M).');
  });

  it('an assignment to the agency of an action that has an owner is still the agency mail', () => {
    const f = facts({ owner: { email: 'owner@nhs.example', name: 'Priya' } });
    expect(subject(req('assignment'), f)).toBe(
      '[CSPR-7 1.2] New action for City Hospital Trust: Audit discharge planning, due 15 March 2027',
    );
    expect(lines(req('assignment'), f).some((l) => l.startsWith('Owner:'))).toBe(false);
  });

  it('an extension approved with its request looked up: the reason and interim measures', () => {
    const r = req('decision', { detail: { extension: 'approve', comment: 'Agreed' } });
    expect(lines(r, facts({ dueDate: x.newDueDate, details: { extension: x } }))).toEqual([
      'The board approved more time for action 1.2 (Audit discharge planning). It is now due on 30 April 2027 (was 15 March 2027).',
      ...HEAD,
      'Reason given for the delay: The auditor left',
      'Interim measures that protect children meanwhile: Daily checks by the ward manager',
      "Board's comment: Agreed",
      IN_PROGRESS,
      'What to do now: carry on with the action and send the board your progress statement and evidence by 30 April 2027.',
      'Reminders will come before the new date; if it passes without evidence, the action becomes overdue and is escalated.',
      OPEN,
    ]);
  });

  it('an extension refused with its request looked up: the date asked for, and the reason given', () => {
    const r = req('decision', { detail: { extension: 'reject', comment: 'Not enough' } });
    expect(lines(r, facts({ details: { extension: x } }))).toEqual([
      'The board refused the request to move action 1.2 (Audit discharge planning) to 30 April 2027. It is still due on 15 March 2027.',
      ...HEAD,
      "Board's reason: Not enough",
      'Reason given for the delay: The auditor left',
      IN_PROGRESS,
      'What to do now: send the board your progress statement and evidence by 15 March 2027.',
      'If the date passes without evidence, the action becomes overdue and is escalated.',
      OPEN,
    ]);
  });

  it('an extension request without the policy looked up: the chair is told "in time"', () => {
    expect(lines(req('extension_requested'))).toContain(
      "If there is no decision in time, the board's independent chair is told.",
    );
  });

  it('impact decisions without the decider looked up are the board’s; an unknown outcome keeps its comment', () => {
    expect(lines(req('impact_decision', { detail: { outcome: 'evidenced' } }))[0]).toBe(
      'The board looked at the evidence of impact for action 1.2 (Audit discharge planning) and found that the learning is embedded.',
    );
    expect(lines(req('impact_decision', { detail: { outcome: 'waived' } }))[0]).toBe(
      'The board decided that action 1.2 (Audit discharge planning) needs no check of its impact.',
    );
    expect(lines(req('impact_decision', { detail: { comment: 'Seen at the March board' } }))).toContain(
      "Board's comment: Seen at the March board",
    );
  });

  it('evidence, of progress or of impact, never copies the chair for an action with repeated extension requests', () => {
    for (const kind of ['evidence_submitted', 'impact_evidence_submitted'] as const)
      expect(recipients(req(kind), facts({ extensionRequests: 3 }))).toEqual({ to: ['member@lscp.example'], cc: [] });
  });

  it('in HTML each ask is its own paragraph, one after the other', () => {
    expect(compose(req('overdue'), facts(), NOW).html).toContain(
      'interim measures that protect children meanwhile.</p><p>If nothing arrives',
    );
  });
});
