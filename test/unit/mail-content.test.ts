/**
 * Who is told what (activities/mail-content.ts): the recipients of every notification kind and
 * escalation level, and the words, headers and calendar entry of each message, from facts as the
 * outbox looks them up.
 */
import {
  compose,
  composeAssignmentSummary,
  icsFor,
  recipients,
  type MailDetails,
  type MailFacts,
  type SummaryFacts,
} from '../../activities/mail-content';
import type { NotificationKind, NotificationRequest } from '../../workflows/types';

const CHAIR = 'Chair@Board.test';
const chair = CHAIR.toLowerCase();
const NOW = new Date('2026-11-02T09:30:15.123Z');

const facts = (over: Partial<MailFacts> = {}): MailFacts => ({
  publicUrl: 'https://actions.board.test',
  boardChairEmail: CHAIR,
  reviewReference: 'SCR-P',
  reviewTitle: 'Serious Case Review: Child P',
  reference: '2.1',
  title: 'Train response officers',
  actionId: 'a-1',
  agency: {
    code: 'TVP',
    name: 'Thames Valley Police',
    leadEmail: 'Lead@TVP.test',
    seniorEmail: 'senior@tvp.test',
    userEmails: ['officer@tvp.test', 'lead@tvp.test', 'OFFICER@tvp.test'],
  },
  boardEmails: ['member@board.test', 'Other@Board.test'],
  dueDate: new Date('2027-01-31T00:00:00.000Z'),
  status: 'in_progress',
  ...over,
});

const req = (kind: NotificationKind, over: Partial<NotificationRequest> = {}): NotificationRequest => ({
  workflowId: 'action-a-1',
  kind,
  occasion: 'o-1',
  actionId: 'a-1',
  ...over,
});
const escalation = (level: number, reason: 'overdue' | 'not_acknowledged' | 'stalled' | 'awaiting_board' = 'overdue') =>
  req('escalation', { escalation: { id: 'e-1', level, reason } });

describe('recipients', () => {
  it('an extension request goes to the board members, like evidence', () => {
    expect(recipients(req('extension_requested'), facts())).toEqual({
      to: ['member@board.test', 'other@board.test'],
      cc: [],
    });
  });

  it.each(['assignment', 'reminder', 'overdue', 'decision'] as const)(
    '%s goes to the agency: its lead and its users, each once, in lower case',
    (kind) => {
      expect(recipients(req(kind), facts())).toEqual({ to: ['lead@tvp.test', 'officer@tvp.test'], cc: [] });
    },
  );

  it('an agency without users still has its lead', () => {
    const f = facts({ agency: { ...facts().agency!, userEmails: [] } });
    expect(recipients(req('assignment'), f)).toEqual({ to: ['lead@tvp.test'], cc: [] });
  });

  it('no agency (a recommendation): nobody from an agency', () => {
    expect(recipients(req('reminder'), facts({ agency: null }))).toEqual({ to: [], cc: [] });
  });

  it('evidence goes to the board members', () => {
    expect(recipients(req('evidence_submitted'), facts())).toEqual({
      to: ['member@board.test', 'other@board.test'],
      cc: [],
    });
  });

  it('a board with no members on record: the chair', () => {
    expect(recipients(req('evidence_submitted'), facts({ boardEmails: [] }))).toEqual({ to: [chair], cc: [] });
  });

  it('a finished recommendation goes to the board, the chair in copy unless already a member', () => {
    expect(recipients(req('recommendation_complete'), facts())).toEqual({
      to: ['member@board.test', 'other@board.test'],
      cc: [chair],
    });
    expect(
      recipients(req('recommendation_complete'), facts({ boardEmails: ['member@board.test', 'chair@board.test'] })),
    ).toEqual({
      to: ['member@board.test', chair],
      cc: [],
    });
    expect(recipients(req('recommendation_complete'), facts({ boardEmails: [] }))).toEqual({ to: [chair], cc: [] });
  });

  describe('escalations climb', () => {
    it('level 1: the agency lead alone', () => {
      expect(recipients(escalation(1), facts())).toEqual({ to: ['lead@tvp.test'], cc: [] });
      expect(recipients(escalation(1, 'not_acknowledged'), facts())).toEqual({ to: ['lead@tvp.test'], cc: [] });
      expect(recipients(escalation(1, 'stalled'), facts())).toEqual({ to: ['lead@tvp.test'], cc: [] });
    });

    it('a request without its escalation is level 1', () => {
      expect(recipients(req('escalation'), facts())).toEqual({ to: ['lead@tvp.test'], cc: [] });
    });

    it('level 2: the senior manager, the lead in copy', () => {
      expect(recipients(escalation(2), facts())).toEqual({ to: ['senior@tvp.test'], cc: ['lead@tvp.test'] });
    });

    it('level 2 without a senior manager: the lead, once', () => {
      const f = facts({ agency: { ...facts().agency!, seniorEmail: null } });
      expect(recipients(escalation(2), f)).toEqual({ to: ['lead@tvp.test'], cc: [] });
    });

    it('level 2 when the senior manager is also the lead (any case): no copy to the same person', () => {
      const f = facts({ agency: { ...facts().agency!, seniorEmail: 'LEAD@tvp.test' } });
      expect(recipients(escalation(2), f)).toEqual({ to: ['lead@tvp.test'], cc: [] });
    });

    it.each([3, 4])('level %i: the independent chair, lead and senior manager in copy', (level) => {
      expect(recipients(escalation(level), facts())).toEqual({ to: [chair], cc: ['lead@tvp.test', 'senior@tvp.test'] });
    });

    it('level 3 when the chair also leads the agency: the chair once', () => {
      const f = facts({ agency: { ...facts().agency!, leadEmail: CHAIR, seniorEmail: null } });
      expect(recipients(escalation(3), f)).toEqual({ to: [chair], cc: [] });
    });

    it('level 3 with no agency: the chair alone', () => {
      expect(recipients(escalation(3), facts({ agency: null }))).toEqual({ to: [chair], cc: [] });
    });

    it("the board's own delay goes to the chair with the board in copy, at any level", () => {
      expect(recipients(escalation(3, 'awaiting_board'), facts())).toEqual({
        to: [chair],
        cc: ['member@board.test', 'other@board.test'],
      });
      expect(recipients(escalation(1, 'awaiting_board'), facts({ boardEmails: ['member@board.test', CHAIR] }))).toEqual(
        { to: [chair], cc: ['member@board.test'] },
      );
    });
  });
});

const DETAILS: MailDetails = {
  description: 'Train every response officer in the new referral pathway',
  successMeasure: '90% of officers trained by the due date',
  acknowledgeWithin: '5 days',
  boardDecisionWithin: '14 days',
  stallAfter: '30 days',
  actorName: 'Jo Lead',
  evidence: { statement: 'All teams trained; the register is attached.', links: 1, files: ['register.pdf'] },
  extension: {
    previousDueDate: new Date('2027-03-31T22:59:59.999Z'),
    newDueDate: new Date('2027-04-30T22:59:59.999Z'),
    reason: 'The trainer left in January',
    interimMeasures: 'Weekly briefings by the duty inspector',
    requestedBy: 'Sam Officer',
  },
};

describe('compose', () => {
  it('an assignment: what is asked, the success measure, by when, what happens if not, the link and a calendar entry', () => {
    const mail = compose(req('assignment'), facts({ status: 'assigned', details: DETAILS }), NOW);
    expect(mail.subject).toBe(
      '[SCR-P 2.1] New action for Thames Valley Police: Train response officers, due 31 January 2027',
    );
    expect(mail.text).toBe(
      [
        'Thames Valley Police has been given action 2.1 from SCR-P (Serious Case Review: Child P). It is due on 31 January 2027.',
        '',
        'Review: SCR-P: Serious Case Review: Child P',
        'Action: 2.1 Train response officers',
        'Agency: Thames Valley Police (TVP)',
        'What is asked: Train every response officer in the new referral pathway',
        'Success measure: 90% of officers trained by the due date',
        'Due: 31 January 2027',
        'Stage: Assigned, not yet acknowledged',
        '',
        'What to do now: open the action and acknowledge it within 5 days, so the board knows your agency has taken it on.',
        '',
        "If it is not acknowledged within 5 days, it is escalated to the agency's lead officer.",
        '',
        "By the due date, send the board a progress statement with evidence that the success measure is met. If you need more time, ask for an extension from the action's page, with the reason and what protects children meanwhile.",
        '',
        'A calendar entry for the due date is attached.',
        '',
        'Open the action: https://actions.board.test/actions/a-1',
        '',
      ].join('\n'),
    );
    expect(mail.headers).toEqual({ 'X-Notification-Kind': 'assignment', 'X-Action-Ref': 'SCR-P 2.1' });
    expect(mail.to).toEqual(['lead@tvp.test', 'officer@tvp.test']);
    expect(mail.ics).toBe(icsFor(facts(), 'https://actions.board.test/actions/a-1', NOW));
    expect(mail.html).toContain(
      '<h1>New action for Thames Valley Police: Train response officers, due 31 January 2027</h1>',
    );
    expect(mail.html).toContain('<dt><strong>Success measure</strong></dt>');
    expect(mail.html).toContain('<p><a href="https://actions.board.test/actions/a-1">Open action SCR-P 2.1</a></p>');
  });

  it('only an assignment with a due date carries a calendar entry', () => {
    expect(compose(req('assignment'), facts({ dueDate: null }), NOW).ics).toBeNull();
    for (const kind of ['reminder', 'overdue', 'decision', 'evidence_submitted', 'extension_requested'] as const)
      expect(compose(req(kind), facts(), NOW).ics).toBeNull();
  });

  it.each([
    ['reminder', {}, 'Reminder: 2.1 is due in 90 days, on 31 January 2027'],
    ['overdue', {}, 'Overdue: 2.1 was due on 31 January 2027'],
    ['evidence_submitted', {}, 'Evidence to decide on: 2.1 from Thames Valley Police'],
    ['extension_requested', {}, 'Extension requested: 2.1 to 30 April 2027'],
    [
      'escalation',
      { escalation: { id: 'e', level: 2, reason: 'not_acknowledged' } },
      "Escalated to the agency's senior manager: 2.1 not acknowledged",
    ],
    [
      'escalation',
      { escalation: { id: 'e', level: 3, reason: 'awaiting_board' } },
      "Escalated to the board's independent chair: 2.1 waiting for the board",
    ],
    ['escalation', {}, "Escalated to the agency's lead officer: 2.1 overdue"],
    [
      'decision',
      { detail: { outcome: 'close_not_implemented', comment: 'Service closed' } },
      'Closed as not implemented: 2.1 Train response officers',
    ],
    ['decision', { detail: { outcome: 'approve', comment: '' } }, 'Approved: 2.1 is closed as implemented'],
    [
      'decision',
      { detail: { outcome: 'request_changes', comment: 'x' } },
      'Changes requested: 2.1 Train response officers',
    ],
    ['decision', { detail: { outcome: 'cancelled', comment: 'x' } }, 'Cancelled: 2.1 Train response officers'],
    // Issue 22: one mail per agency when the board withdraws a review.
    [
      'decision',
      { detail: { outcome: 'review_withdrawn', comment: 'x', actions: '2.1, 3.4' } },
      'Review withdrawn: SCR-P',
    ],
    ['decision', {}, 'The board has decided on 2.1 Train response officers'],
    [
      'decision',
      { detail: { outcome: 'reopened', comment: 'Closed too soon', was: 'cancelled' } },
      'Reopened: 2.1 Train response officers',
    ],
    ['decision', { detail: { extension: 'approve' } }, 'Extension approved: 2.1 now due 30 April 2027'],
    ['decision', { detail: { extension: 'reject' } }, 'Extension refused: 2.1 is still due 31 January 2027'],
    [
      'recommendation_complete',
      { detail: { status: 'partly_implemented' } },
      'Recommendation 2.1 finished: partly implemented',
    ],
    ['recommendation_complete', {}, 'Recommendation 2.1 finished: every action closed'],
  ] as const)('%s %j: "%s"', (kind, over, subject) => {
    const mail = compose(
      req(kind, over as Partial<NotificationRequest>),
      facts({ details: DETAILS, status: null }),
      NOW,
    );
    expect(mail.subject).toBe(`[SCR-P 2.1] ${subject}`);
    expect(mail.html).toContain(`<h1>${subject.replace(/'/g, '&#39;')}</h1>`);
    expect(mail.headers['X-Notification-Kind']).toBe(kind);
  });

  it('an approval with an impact check ahead says when it is due and what will be asked, not "nothing more"', () => {
    const approve = req('decision', { occasion: 'decision:d-1', detail: { outcome: 'approve', comment: 'Good' } });
    const check = { on: new Date('2027-07-31T22:59:59.999Z') };
    const mail = compose(approve, facts({ details: { ...DETAILS, impactCheck: check }, status: 'closed' }), NOW);
    expect(mail.subject).toBe(
      '[SCR-P 2.1] Approved: 2.1 is closed as implemented; its impact is checked on 31 July 2027',
    );
    expect(mail.text).toContain('Impact check due: 31 July 2027');
    expect(mail.text).toContain('How impact will be measured: 90% of officers trained by the due date');
    expect(mail.text).toContain(
      'Nothing more is asked of Thames Valley Police until 31 July 2027. On that day the board will ask whether the learning is embedded: a short statement of the impact, what was measured and how',
    );
    expect(mail.text).not.toContain('for this action.');
    expect(mail.html).toContain('<dt><strong>Impact check due</strong></dt>');
    // The action's own impact measure wins over its success measure.
    const own = compose(
      approve,
      facts({ details: { ...DETAILS, impactMeasure: 'Case file audit each quarter', impactCheck: check } }),
      NOW,
    );
    expect(own.text).toContain('How impact will be measured: Case file audit each quarter');
    // With no check ahead (none applies, or already waived), the approval ends it as before.
    for (const details of [DETAILS, { ...DETAILS, impactCheck: null }]) {
      const plain = compose(approve, facts({ details }), NOW);
      expect(plain.subject).toBe('[SCR-P 2.1] Approved: 2.1 is closed as implemented');
      expect(plain.text).toContain('Nothing more is asked of Thames Valley Police for this action.');
      expect(plain.text).not.toContain('Impact check');
    }
  });

  it('a reminder the day before says tomorrow; one without a due date says soon', () => {
    expect(compose(req('reminder'), facts({ dueDate: new Date('2026-11-03T12:00:00Z') }), NOW).subject).toBe(
      '[SCR-P 2.1] Reminder: 2.1 is due tomorrow, on 3 November 2026',
    );
    expect(compose(req('reminder'), facts({ dueDate: null }), NOW).subject).toBe(
      '[SCR-P 2.1] Reminder: 2.1 is due soon',
    );
  });

  it('the evidence mail tells the board who submitted what, and when the chair is told', () => {
    const mail = compose(req('evidence_submitted', { occasion: 'evidence:x' }), facts({ details: DETAILS }), NOW);
    const lines = mail.text.split('\n');
    expect(lines[0]).toBe(
      'Jo Lead (Thames Valley Police) sent the board a progress statement with 1 file and 1 link for action 2.1 (Train response officers).',
    );
    expect(lines).toContain('Statement: All teams trained; the register is attached.');
    expect(lines).toContain('Files: register.pdf');
    expect(lines).toContain("If there is no decision within 14 days, the board's independent chair is told.");
  });

  it('the extension decisions say the old and new dates, the reason and the interim measures; a refusal keeps the date', () => {
    const approved = compose(
      req('decision', { detail: { extension: 'approve', comment: 'Agreed' } }),
      facts({ details: DETAILS }),
      NOW,
    );
    expect(approved.text).toContain(
      'Jo Lead approved more time for action 2.1 (Train response officers). It is now due on 30 April 2027 (was 31 March 2027).',
    );
    expect(approved.text).toContain(
      'Interim measures that protect children meanwhile: Weekly briefings by the duty inspector',
    );
    expect(approved.text).toContain("Board's comment: Agreed");
    const refused = compose(
      req('decision', { detail: { extension: 'reject', comment: 'Too late' } }),
      facts({ details: DETAILS }),
      NOW,
    );
    expect(refused.text).toContain(
      'refused the request to move action 2.1 (Train response officers) to 30 April 2027. It is still due on 31 January 2027.',
    );
    expect(refused.text).not.toMatch(/reject/i);
  });

  it('an extension request tells the board how far the date moves and what protects children meanwhile', () => {
    const mail = compose(req('extension_requested'), facts({ details: DETAILS }), NOW);
    expect(mail.text.split('\n')[0]).toBe(
      'Sam Officer (Thames Valley Police) asks to move the due date of action 2.1 (Train response officers) from 31 March 2027 to 30 April 2027, about 4 weeks later.',
    );
    expect(mail.text).toContain('Reason for the delay: The trainer left in January');
    expect(mail.text).toContain('whether to approve or refuse the request');
  });

  it("the board's delay on an extension request says so, and asks for that decision", () => {
    const mail = compose(
      req('escalation', {
        occasion: 'escalation:awaiting_board:extension:1790000000000',
        escalation: { id: 'e', level: 3, reason: 'awaiting_board' },
      }),
      facts(),
      NOW,
    );
    expect(mail.text).toContain(
      'has an extension request that has been waiting too long for the board to decide on it',
    );
    expect(mail.text).toContain('whether to approve or refuse the request for more time');
  });

  it('an escalation says why, who is told now and who next', () => {
    const mail = compose(escalation(2, 'stalled'), facts({ details: DETAILS }), NOW);
    expect(mail.text).toContain(
      "has had no progress update for 30 days. This is escalation level 2 of 3, so the agency's senior manager is told.",
    );
    expect(mail.text).toContain("If nothing changes, it is escalated further, to the board's independent chair.");
    expect(compose(escalation(3), facts(), NOW).text).toContain('This is the last step');
  });

  it('a recommendation: its own words, the reviews page as link, no agency or due line', () => {
    const f = facts({
      reference: '3',
      title: 'Thresholds must be understood',
      actionId: null,
      agency: null,
      dueDate: null,
      status: 'partly_implemented',
    });
    const mail = compose(
      req('recommendation_complete', {
        actionId: undefined,
        recommendationId: 'r-1',
        detail: { status: 'partly_implemented' },
      }),
      f,
      NOW,
    );
    expect(mail.text).toBe(
      [
        'Every action under recommendation 3 of SCR-P is closed or cancelled: some of its actions were implemented and others were closed as not implemented.',
        '',
        'Review: SCR-P: Serious Case Review: Child P',
        'Recommendation: 3 Thresholds must be understood',
        '',
        'Nothing is asked. The progress statement shows how each action ended and why.',
        '',
        'Open the reviews: https://actions.board.test/reviews',
        '',
      ].join('\n'),
    );
    expect(mail.headers['X-Action-Ref']).toBe('SCR-P 3');
  });

  it('escapes everything that came from people in the HTML part', () => {
    const f = facts({
      title: `<script>alert("x")</script> & 'co'`,
      reviewTitle: 'A & B',
      reviewReference: 'R<1>',
      publicUrl: 'https://x.test/?a="b"',
    });
    const mail = compose(req('assignment'), f, NOW);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(mail.html).toContain('R&lt;1&gt;: A &amp; B');
    expect(mail.html).toContain('href="https://x.test/?a=&quot;b&quot;/actions/a-1"');
    expect(mail.html).toContain('>Open action R&lt;1&gt; 2.1</a>');
    // The plain-text part is text: nothing to escape.
    expect(mail.text).toContain(`Action: 2.1 <script>alert("x")</script> & 'co'`);
  });
});

/**
 * Every kind of mail, in every variant the workflows send, with and without the looked-up
 * details (an old request may find none): plain English only. No ISO timestamp or date, no
 * "UTC", no enum value (snake_case words, or the API's bare outcome words), and always a UK date
 * when there is a due date, and the link.
 */
describe('every mail reads as plain English', () => {
  const variants: [string, NotificationRequest][] = [
    ['assignment', req('assignment')],
    ['reminder', req('reminder')],
    ['overdue', req('overdue')],
    ['evidence_submitted', req('evidence_submitted', { occasion: 'evidence:e-1' })],
    [
      'escalation awaiting_board extension',
      req('escalation', {
        occasion: 'escalation:awaiting_board:extension:1790000000000',
        escalation: { id: 'e', level: 3, reason: 'awaiting_board' },
      }),
    ],
    ['extension_requested', req('extension_requested', { occasion: 'extension-request:x-1' })],
    ...(['not_acknowledged', 'overdue', 'stalled', 'awaiting_board'] as const).flatMap((reason) =>
      [1, 2, 3].map((level): [string, NotificationRequest] => [
        `escalation ${reason} ${level}`,
        escalation(level, reason),
      ]),
    ),
    ...(['approve', 'request_changes', 'close_not_implemented'] as const).map(
      (outcome): [string, NotificationRequest] => [
        `decision ${outcome}`,
        req('decision', { occasion: 'decision:d-1', detail: { outcome, comment: 'Board words' } }),
      ],
    ),
    ['cancel', req('decision', { occasion: 'cancel:7', detail: { outcome: 'cancelled', comment: 'Superseded' } })],
    [
      'cancel by withdrawal',
      req('decision', {
        occasion: 'withdrawn:7',
        detail: { outcome: 'review_withdrawn', comment: 'Entered twice', actions: '2.1, 3.4' },
      }),
    ],
    ...(['cancelled', 'not_implemented', 'implemented'] as const).map((was): [string, NotificationRequest] => [
      `reopened (was ${was})`,
      req('decision', { occasion: 'reopen:9', detail: { outcome: 'reopened', comment: 'Closed too soon', was } }),
    ]),
    ...(['approve', 'reject'] as const).map((extension): [string, NotificationRequest] => [
      `extension ${extension}`,
      req('decision', {
        occasion: 'extension:x-1',
        detail: { extension, newDueDate: '2027-03-31T00:00:00.000Z', comment: '' },
      }),
    ]),
    ...(['implemented', 'partly_implemented', 'not_implemented', 'cancelled'] as const).map(
      (status): [string, NotificationRequest] => [
        `recommendation ${status}`,
        req('recommendation_complete', { actionId: undefined, recommendationId: 'r-1', detail: { status } }),
      ],
    ),
  ];
  const kindsCovered = new Set(variants.map(([, r]) => r.kind));

  it('covers every notification kind the workflows send', () => {
    const all: NotificationKind[] = [
      'assignment',
      'reminder',
      'overdue',
      'escalation',
      'evidence_submitted',
      'decision',
      'recommendation_complete',
      'extension_requested',
    ];
    expect([...kindsCovered].sort()).toEqual([...all].sort());
  });

  const statuses = ['assigned', 'in_progress', 'under_review', 'closed', 'cancelled'];
  describe.each([
    ['with details', DETAILS],
    ['without details', undefined],
    // Issue 17: an approval with the impact check ahead names its date and what will be asked.
    ['with an impact check ahead', { ...DETAILS, impactCheck: { on: new Date('2027-07-31T22:59:59.999Z') } }],
  ] as const)('%s', (_label, details) => {
    it.each(variants)('%s', (_name, r) => {
      for (const status of statuses) {
        const f = facts({
          details,
          status,
          ...(r.recommendationId ? { actionId: null, agency: null, dueDate: null } : {}),
        });
        const mail = compose(r, f, NOW);
        for (const part of [mail.subject, mail.text, mail.html.replace(/<[^>]+>/g, ' ')]) {
          expect(part).not.toMatch(/\d{4}-\d{2}-\d{2}/);
          expect(part).not.toMatch(/\d{2}:\d{2}:\d{2}/);
          expect(part).not.toMatch(/\bUTC\b|\bZ\b/);
          expect(part).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
          // The API's outcome words as values after a label ("Outcome: approve", "Extension: reject").
          expect(part).not.toMatch(/:\s*(approve|reject|request changes|close not implemented)\b/i);
          expect(part).not.toMatch(/\b(Outcome|NewDueDate|Extension|Status):/);
          expect(part).not.toMatch(/undefined|null|NaN|\[object/);
        }
        expect(mail.text).toContain(
          f.actionId ? 'https://actions.board.test/actions/a-1' : 'https://actions.board.test/reviews',
        );
        // Whatever still asks something of someone says by when; a closing mail need not.
        const closing = /^(decision approve|decision close|cancel|recommendation|extension approve)/.test(_name);
        if (f.dueDate && !closing) expect(mail.text).toContain('31 January 2027');
        // Something is always said about what happens next.
        expect(mail.text).toMatch(
          /What to do now|What is needed|What the board needs to do|Nothing (more )?is asked|shows the decision/,
        );
      }
    });
  });
});

describe('icsFor', () => {
  it('a whole-day event on the due date, with escaped text, CRLF lines and a stable UID', () => {
    const f = facts({ title: 'Audit; report, and\\or brief\nstaff' });
    const ics = icsFor(f, 'https://actions.board.test/actions/a-1', NOW);
    expect(ics.split('\r\n')).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Safeguarding Board//Action Plan//EN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      'UID:action-a-1@actionplan',
      'DTSTAMP:20261102T093015Z',
      'DTSTART;VALUE=DATE:20270131',
      'DTEND;VALUE=DATE:20270201',
      'SUMMARY:Due: SCR-P 2.1 Audit\\; report\\, and\\\\or brief\\nstaff',
      // Folded at 75 octets (RFC 5545 3.1): the continuation line starts with a space.
      'DESCRIPTION:Action SCR-P 2.1 is due 31 January 2027. https://actions.board.',
      ' test/actions/a-1',
      'URL:https://actions.board.test/actions/a-1',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ]);
  });

  it('the end date is the next day across a month and a year', () => {
    const ics = icsFor(facts({ dueDate: new Date('2026-12-31T00:00:00Z') }), 'l', NOW);
    expect(ics).toContain('DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101');
  });
});

describe('composeAssignmentSummary (issue 22: one mail per agency for an import)', () => {
  const summary = (over: Partial<SummaryFacts> = {}): SummaryFacts => ({
    publicUrl: 'https://actions.board.test',
    reviewId: 'r-1',
    reviewReference: 'SCR-P',
    reviewTitle: 'Serious Case Review: Child P',
    agency: {
      code: 'TVP',
      name: 'Thames Valley Police',
      leadEmail: 'Lead@TVP.test',
      userEmails: ['officer@tvp.test', 'lead@tvp.test'],
    },
    importedBy: 'Brenda Manager',
    acknowledgeWithin: '5 working days',
    actions: [
      {
        id: 'a-1',
        reference: '2.1',
        title: 'Train response officers',
        description: 'Train every response officer on neglect',
        successMeasure: 'All officers trained',
        dueDate: new Date('2027-01-31T23:59:59.999Z'),
      },
      {
        id: 'a-2',
        reference: '2.2',
        title: 'Audit the training',
        description: null,
        successMeasure: null,
        dueDate: new Date('2027-03-31T22:59:59.999Z'),
      },
    ],
    ...over,
  });

  it('lists every action with what is asked, its success measure, due date and link, and attaches a calendar entry each', () => {
    const mail = composeAssignmentSummary(summary(), NOW);
    expect(mail.to).toEqual(['lead@tvp.test', 'officer@tvp.test']);
    expect(mail.cc).toEqual([]);
    expect(mail.subject).toBe(
      '[SCR-P] 2 new actions for Thames Valley Police, due between 31 January 2027 and 31 March 2027',
    );
    expect(mail.headers).toEqual({
      'X-Notification-Kind': 'assignment',
      'X-Action-Ref': 'SCR-P 2.1, 2.2',
      'X-Import-Actions': '2',
    });
    expect(mail.text).toContain('Brenda Manager imported the action plan of SCR-P');
    expect(mail.text).toContain(
      [
        'Action 2.1: Train response officers',
        '  What is asked: Train every response officer on neglect',
        '  Success measure: All officers trained',
        '  Due: 31 January 2027',
        '  Open the action: https://actions.board.test/actions/a-1',
      ].join('\n'),
    );
    expect(mail.text).toContain(
      [
        'Action 2.2: Audit the training',
        '  Due: 31 March 2027',
        '  Open the action: https://actions.board.test/actions/a-2',
      ].join('\n'),
    );
    expect(mail.text).toContain('acknowledge it within 5 working days');
    expect(mail.text).toContain("it is escalated to the agency's lead officer");
    expect(mail.text).toContain('A calendar entry for each of the 2 due dates is attached.');
    expect(mail.ics).toBeNull();
    expect(mail.icsFiles?.map((f) => f.filename)).toEqual(['due-SCR-P-2.1.ics', 'due-SCR-P-2.2.ics']);
    expect(mail.icsFiles?.[1].content).toContain('DTSTART;VALUE=DATE:20270331');
    expect(mail.icsFiles?.[0].content).toContain('UID:action-a-1@actionplan');
  });

  it('one action, or all due the same day: one date in the headline', () => {
    const one = summary();
    const mail = composeAssignmentSummary({ ...one, actions: [one.actions[0]] }, NOW);
    expect(mail.subject).toBe('[SCR-P] 1 new action for Thames Valley Police, due 31 January 2027');
    expect(mail.text).toContain('A calendar entry for the due date is attached.');
  });

  it('reads as plain English, and escapes what people wrote in the HTML part', () => {
    const mail = composeAssignmentSummary(
      summary({ importedBy: null, acknowledgeWithin: null, reviewTitle: 'Child <b>P</b>' }),
      NOW,
    );
    for (const part of [mail.subject, mail.text, mail.html.replace(/<[^>]+>/g, ' ')]) {
      expect(part).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(part).not.toMatch(/\d{2}:\d{2}:\d{2}/);
      expect(part).not.toMatch(/\bUTC\b|\bZ\b/);
      expect(part).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
      expect(part).not.toMatch(/undefined|null|NaN|\[object/);
    }
    expect(mail.text).toContain('The board imported');
    expect(mail.html).toContain('Child &lt;b&gt;P&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>P</b>');
  });
});
