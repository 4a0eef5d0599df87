/**
 * Who is told what (activities/mail-content.ts): the recipients of every notification kind and
 * escalation level, and the words, headers and calendar entry of each message, from facts as the
 * outbox looks them up.
 */
import { compose, icsFor, recipients, type MailFacts } from '../../activities/mail-content';
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

describe('compose', () => {
  it('an assignment: subject, every line of the body, the link, headers and a calendar entry', () => {
    const mail = compose(req('assignment'), facts(), NOW);
    expect(mail.subject).toBe('[SCR-P 2.1] New action assigned: Train response officers');
    expect(mail.text).toBe(
      [
        'SCR-P: Serious Case Review: Child P',
        'Action 2.1: Train response officers',
        'Agency: Thames Valley Police (TVP)',
        'Due: 31 January 2027',
        'Status: in progress',
        '',
        'Open it: https://actions.board.test/actions/a-1',
        '',
      ].join('\n'),
    );
    expect(mail.headers).toEqual({ 'X-Notification-Kind': 'assignment', 'X-Action-Ref': 'SCR-P 2.1' });
    expect(mail.to).toEqual(['lead@tvp.test', 'officer@tvp.test']);
    expect(mail.cc).toEqual([]);
    expect(mail.ics).toBe(icsFor(facts(), 'https://actions.board.test/actions/a-1', NOW));
    expect(mail.html).toBe(
      '<!doctype html><html><body><h1>New action assigned: Train response officers</h1><ul>' +
        '<li>SCR-P: Serious Case Review: Child P</li><li>Action 2.1: Train response officers</li><li>Agency: Thames Valley Police (TVP)</li>' +
        '<li>Due: 31 January 2027</li><li>Status: in progress</li></ul>' +
        '<p><a href="https://actions.board.test/actions/a-1">Open SCR-P 2.1</a></p></body></html>',
    );
  });

  it('only an assignment with a due date carries a calendar entry', () => {
    expect(compose(req('assignment'), facts({ dueDate: null }), NOW).ics).toBeNull();
    for (const kind of ['reminder', 'overdue', 'decision', 'evidence_submitted'] as const)
      expect(compose(req(kind), facts(), NOW).ics).toBeNull();
  });

  it.each([
    ['reminder', {}, 'Reminder: action due 31 January 2027'],
    ['overdue', {}, 'Overdue: action past its due date'],
    ['evidence_submitted', {}, 'Evidence submitted for board review'],
    [
      'escalation',
      { escalation: { id: 'e', level: 2, reason: 'not_acknowledged' } },
      'Escalation level 2 (not acknowledged)',
    ],
    [
      'escalation',
      { escalation: { id: 'e', level: 3, reason: 'awaiting_board' } },
      'Escalation level 3 (awaiting board)',
    ],
    ['escalation', {}, 'Escalation level 1 (overdue)'],
    [
      'decision',
      { detail: { outcome: 'close_not_implemented', comment: 'Service closed' } },
      'Board decision: close not implemented',
    ],
    ['decision', {}, 'Board decision: '],
    ['decision', { detail: { extension: 'approve' } }, 'Extension request approved'],
    ['decision', { detail: { extension: 'reject' } }, 'Extension request rejected'],
    [
      'recommendation_complete',
      { detail: { status: 'partly_implemented' } },
      'Recommendation complete: partly implemented',
    ],
    ['recommendation_complete', {}, 'Recommendation complete: '],
  ] as const)('%s %j: "%s"', (kind, over, subject) => {
    const mail = compose(req(kind, over as Partial<NotificationRequest>), facts(), NOW);
    expect(mail.subject).toBe(`[SCR-P 2.1] ${subject}`);
    expect(mail.html).toContain(`<h1>${subject}</h1>`);
    expect(mail.headers['X-Notification-Kind']).toBe(kind);
  });

  it('a reminder without a due date says so', () => {
    expect(compose(req('reminder'), facts({ dueDate: null }), NOW).subject).toBe(
      '[SCR-P 2.1] Reminder: action due not set',
    );
  });

  it('an escalation names its level and reason in the body; details with a value become lines', () => {
    const mail = compose(
      req('escalation', {
        escalation: { id: 'e', level: 2, reason: 'stalled' },
        detail: { comment: 'Please act', outcome: '', newDueDate: '2027-03-01' },
      }),
      facts(),
      NOW,
    );
    const lines = mail.text.split('\n');
    expect(lines).toContain('Escalation: level 2, reason stalled');
    expect(lines).toContain('Comment: Please act');
    expect(lines).toContain('New due date: 1 March 2027');
    expect(mail.text).not.toContain('Outcome:');
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
        'SCR-P: Serious Case Review: Child P',
        'Recommendation 3: Thresholds must be understood',
        'Status: partly implemented',
        'Status: partly_implemented',
        '',
        'Open it: https://actions.board.test/reviews',
        '',
      ].join('\n'),
    );
    expect(mail.headers['X-Action-Ref']).toBe('SCR-P 3');
  });

  it('a missing status leaves its line out', () => {
    expect(compose(req('overdue'), facts({ status: null }), NOW).text).not.toContain('Status:');
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
    expect(mail.html).toContain('>Open R&lt;1&gt; 2.1</a>');
    // The plain-text part is text: nothing to escape.
    expect(mail.text).toContain(`Action 2.1: <script>alert("x")</script> & 'co'`);
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
