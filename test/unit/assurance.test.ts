/**
 * Issue 17: the impact check's schedule (pure), its periods, the follow-up references, and the
 * rules the Update validators apply to progress updates and the impact check.
 */
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { recipients, type MailFacts } from '../../activities/mail-content';
import { addPeriod, followUpReference, isImpactPeriod, planImpact, type ImpactFacts } from '../../workflows/assurance';
import { checkDecideImpact, checkPostProgress, checkSubmitImpactEvidence } from '../../workflows/assurance-rules';
import { CALENDAR_DAY_POLICY, type ActionMemory, type Actor, type Policy } from '../../workflows/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 7, 31); // 31 August 2026
const policy: Policy = { ...CALENDAR_DAY_POLICY, impactCheckAfter: 'P6M' };
const facts = (over: Partial<ImpactFacts> = {}): ImpactFacts => ({
  assurance: 'scheduled',
  impactCheckAt: T0,
  impactEvidenceSubmittedAt: null,
  done: [],
  ...over,
});

describe('impact periods', () => {
  it('adds calendar months and years, clamped to the end of a shorter month', () => {
    expect(new Date(addPeriod(T0, 'P6M')).toISOString().slice(0, 10)).toBe('2027-02-28');
    expect(new Date(addPeriod(T0, 'P1Y')).toISOString().slice(0, 10)).toBe('2027-08-31');
    expect(addPeriod(T0, 'P90D')).toBe(T0 + 90 * DAY);
    expect(addPeriod(T0, 'PT5S')).toBe(T0 + 5000);
    expect(addPeriod(T0, 'P1M2D')).toBe(Date.UTC(2026, 9, 2));
  });
  it.each(['P6M', 'P1Y', 'P90D', 'PT5S', 'P1Y6M', 'P2W'])('accepts %p', (v) => expect(isImpactPeriod(v)).toBe(true));
  it.each(['', 'P', '6M', 'P6X', 'PT', 'P1DT', 5, null])('refuses %p', (v) => expect(isImpactPeriod(v)).toBe(false));
});

describe('planImpact', () => {
  it('asks for evidence at the check date', () => {
    const p = planImpact(facts(), policy, T0 - DAY);
    expect(p).toEqual([{ at: T0, kind: 'impact_request', occasion: `impact:request:${T0}` }]);
  });
  it('while the evidence is due: reminders every overdueReminderEvery and the ladder from the check date', () => {
    const p = planImpact(facts({ assurance: 'due', done: [`impact:request:${T0}`] }), policy, T0);
    const by = Object.fromEntries(p.map((x) => [x.occasion, x]));
    expect(by[`impact:reminder:${T0}:1`].at).toBe(T0 + 7 * DAY);
    expect(by[`escalation:impact_evidence_missing:${T0}:1`]).toMatchObject({ at: T0 + 7 * DAY, level: 1 });
    expect(by[`escalation:impact_evidence_missing:${T0}:3`]).toMatchObject({ at: T0 + 42 * DAY, level: 3 });
    expect(p[0].kind).toBe('impact_reminder');
  });
  it('after a long absence sends only the latest reminder and the latest escalation level', () => {
    const p = planImpact(facts({ assurance: 'due' }), policy, T0 + 30 * DAY);
    expect(p.filter((x) => x.at === T0 + 30 * DAY).map((x) => x.occasion)).toEqual([
      `impact:reminder:${T0}:4`,
      `escalation:impact_evidence_missing:${T0}:2`,
    ]);
  });
  it('evidence waiting for the board goes to the chair after boardDecisionWithin', () => {
    const at = T0 + 3 * DAY;
    const p = planImpact(facts({ assurance: 'evidence_submitted', impactEvidenceSubmittedAt: at }), policy, at);
    expect(p).toEqual([
      {
        at: at + 14 * DAY,
        kind: 'escalation',
        reason: 'awaiting_board',
        level: 3,
        occasion: `escalation:impact_awaiting_board:${at}`,
      },
    ]);
  });
  it.each(['evidenced', 'not_embedded', 'waived', null, undefined] as const)('plans nothing when %p', (a) => {
    expect(planImpact(facts({ assurance: a }), policy, T0)).toEqual([]);
  });

  it('properties: never before now, sorted, no occasion already done, each occasion once', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('scheduled', 'due', 'evidence_submitted') as fc.Arbitrary<ImpactFacts['assurance']>,
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        (assurance, offsetDays, submittedDaysAgo, markFirstDone) => {
          const now = T0 + offsetDays * DAY;
          const f = facts({ assurance, impactEvidenceSubmittedAt: now - submittedDaysAgo * DAY });
          const first = planImpact(f, policy, now);
          const done = markFirstDone && first[0] ? [first[0].occasion] : [];
          const p = planImpact({ ...f, done }, policy, now);
          for (const x of p) expect(x.at).toBeGreaterThanOrEqual(now);
          for (let i = 1; i < p.length; i++) expect(p[i].at).toBeGreaterThanOrEqual(p[i - 1].at);
          for (const x of p) expect(done).not.toContain(x.occasion);
          expect(new Set(p.map((x) => x.occasion)).size).toBe(p.length);
        },
      ),
    );
  });
});

describe('followUpReference', () => {
  it('letters a follow-up, then the next letter for a follow-up of a follow-up', () => {
    expect(followUpReference('2.1')).toBe('2.1a');
    expect(followUpReference('2.1a')).toBe('2.1b');
    expect(followUpReference('12.10')).toBe('12.10a');
  });
});

describe('assurance rules', () => {
  const CSC = 'agency-csc';
  const owner: Actor = { userId: 'u1', role: 'agency', agencyId: CSC };
  const other: Actor = { userId: 'u2', role: 'agency', agencyId: 'agency-pol' };
  const board: Actor = { userId: 'u3', role: 'board', agencyId: null };
  const boardOwner: Actor = { userId: 'u4', role: 'board', agencyId: CSC };
  const memory = (over: Partial<ActionMemory> = {}): ActionMemory =>
    ({
      stage: 'in_progress',
      outcome: null,
      agencyId: CSC,
      agencyCode: 'CSC',
      dueDate: T0,
      dueDateSetAt: T0,
      assignedAt: T0,
      acknowledgedAt: T0,
      lastActivityAt: T0,
      evidenceSubmittedAt: null,
      currentEvidenceId: null,
      closedAt: null,
      changesRequested: false,
      pendingExtension: null,
      openEscalations: [],
      done: [],
      seq: 1,
      outbox: [],
      ...over,
    }) as ActionMemory;
  const refusal = (f: () => void) => {
    try {
      f();
    } catch (err) {
      return (err as ApplicationFailure).type;
    }
    return 'accepted';
  };
  const update = { updateId: 'x', statement: 'Half trained', attachments: [] };

  it('progress updates: the owner only, in progress or under review, percent 0-100, a RAG with its reason', () => {
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: owner, percentComplete: 40 }))).toBe(
      'accepted',
    );
    expect(refusal(() => checkPostProgress(memory({ stage: 'under_review' }), { ...update, actor: owner }))).toBe(
      'accepted',
    );
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: other }))).toBe('Forbidden');
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: board }))).toBe('Forbidden');
    // The board records an agency's progress for it (its progress sheet) only when it says so; never the admin or another agency.
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: board, forAgency: true }))).toBe('accepted');
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: boardOwner, forAgency: true }))).toBe(
      'accepted',
    );
    const admin: Actor = { userId: 'u5', role: 'admin', agencyId: null };
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: admin, forAgency: true }))).toBe('Forbidden');
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: other, forAgency: true }))).toBe('Forbidden');
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: owner, forAgency: true }))).toBe('Forbidden');
    expect(
      refusal(() => checkPostProgress(memory({ stage: 'assigned' }), { ...update, actor: board, forAgency: true })),
    ).toBe('IllegalTransition');
    expect(
      refusal(() => checkPostProgress(memory(), { ...update, actor: owner, forAgency: 'yes' as unknown as boolean })),
    ).toBe('InvalidArgument');
    expect(refusal(() => checkPostProgress(memory({ stage: 'assigned' }), { ...update, actor: owner }))).toBe(
      'IllegalTransition',
    );
    expect(refusal(() => checkPostProgress(memory({ stage: 'closed' }), { ...update, actor: owner }))).toBe(
      'IllegalTransition',
    );
    for (const p of [-1, 101, 50.5])
      expect(refusal(() => checkPostProgress(memory(), { ...update, actor: owner, percentComplete: p }))).toBe(
        'InvalidArgument',
      );
    expect(refusal(() => checkPostProgress(memory(), { ...update, actor: owner, rag: 'amber' }))).toBe(
      'InvalidArgument',
    );
    expect(
      refusal(() => checkPostProgress(memory(), { ...update, actor: owner, rag: 'blue' as never, ragReason: 'x' })),
    ).toBe('InvalidArgument');
    expect(
      refusal(() => checkPostProgress(memory(), { ...update, actor: owner, rag: 'red', ragReason: 'Sickness' })),
    ).toBe('accepted');
  });

  it('impact evidence: the owner only, while the check is scheduled or due', () => {
    const ev = { evidenceId: 'e', statement: 'Audit', method: 'audit', links: [], attachments: [] };
    const closed = memory({ stage: 'closed', outcome: 'implemented' });
    expect(refusal(() => checkSubmitImpactEvidence({ ...closed, assurance: 'due' }, { ...ev, actor: owner }))).toBe(
      'accepted',
    );
    expect(
      refusal(() => checkSubmitImpactEvidence({ ...closed, assurance: 'scheduled' }, { ...ev, actor: owner })),
    ).toBe('accepted');
    expect(refusal(() => checkSubmitImpactEvidence({ ...closed, assurance: 'due' }, { ...ev, actor: other }))).toBe(
      'Forbidden',
    );
    for (const a of ['evidence_submitted', 'evidenced', null, undefined] as const)
      expect(refusal(() => checkSubmitImpactEvidence({ ...closed, assurance: a }, { ...ev, actor: owner }))).toBe(
        'IllegalTransition',
      );
    expect(
      refusal(() =>
        checkSubmitImpactEvidence({ ...closed, assurance: 'due' }, { ...ev, method: 'guess', actor: owner }),
      ),
    ).toBe('InvalidArgument');
  });

  it('impact decisions: the board (not of the agency), on submitted evidence; a waiver at any point of the check', () => {
    const closed = memory({ stage: 'closed', outcome: 'implemented', assurance: 'evidence_submitted' });
    const now = T0;
    const later = new Date(T0 + 30 * DAY).toISOString();
    expect(refusal(() => checkDecideImpact(closed, { actor: board, outcome: 'evidenced', comment: '' }, now))).toBe(
      'accepted',
    );
    expect(
      refusal(() => checkDecideImpact(closed, { actor: boardOwner, outcome: 'evidenced', comment: '' }, now)),
    ).toBe('Forbidden');
    expect(refusal(() => checkDecideImpact(closed, { actor: owner, outcome: 'evidenced', comment: '' }, now))).toBe(
      'Forbidden',
    );
    expect(
      refusal(() =>
        checkDecideImpact({ ...closed, assurance: 'due' }, { actor: board, outcome: 'evidenced', comment: '' }, now),
      ),
    ).toBe('IllegalTransition');
    expect(
      refusal(() =>
        checkDecideImpact(
          { ...closed, assurance: 'scheduled' },
          { actor: board, outcome: 'waived', comment: 'Service decommissioned' },
          now,
        ),
      ),
    ).toBe('accepted');
    expect(refusal(() => checkDecideImpact(closed, { actor: board, outcome: 'waived', comment: '' }, now))).toBe(
      'InvalidArgument',
    );
    expect(
      refusal(() => checkDecideImpact(closed, { actor: board, outcome: 'not_embedded', comment: 'Audit weak' }, now)),
    ).toBe('InvalidArgument');
    expect(
      refusal(() =>
        checkDecideImpact(
          closed,
          { actor: board, outcome: 'not_embedded', comment: 'Audit weak', followUpDueDate: later },
          now,
        ),
      ),
    ).toBe('accepted');
    expect(
      refusal(() =>
        checkDecideImpact(
          { ...closed, assurance: 'evidenced' },
          { actor: board, outcome: 'waived', comment: 'x' },
          now,
        ),
      ),
    ).toBe('IllegalTransition');
  });
});

describe('extension request mail', () => {
  const f: MailFacts = {
    publicUrl: 'http://app.test',
    boardChairEmail: 'Chair@board.test',
    reviewReference: 'SCR',
    reviewTitle: 'Review',
    reference: '1.1',
    title: 'Action',
    actionId: 'a',
    agency: { code: 'CSC', name: 'CSC', leadEmail: 'lead@csc.test', seniorEmail: null, userEmails: [] },
    boardEmails: ['member@board.test'],
    dueDate: null,
    status: 'in_progress',
  };
  const req = { workflowId: 'w', kind: 'extension_requested' as const, occasion: 'x', actionId: 'a' };
  it('goes to the board; from the second request on, the chair is copied', () => {
    expect(recipients(req, { ...f, extensionRequests: 1 })).toEqual({ to: ['member@board.test'], cc: [] });
    expect(recipients(req, { ...f, extensionRequests: 2 })).toEqual({
      to: ['member@board.test'],
      cc: ['chair@board.test'],
    });
  });
});

describe('planImpact: escalations the chair re-timed (patch impact-retimed-escalations)', () => {
  const missing = {
    escalationId: 'e1',
    level: 2,
    reason: 'impact_evidence_missing' as const,
    at: T0 + 60 * DAY,
    setAt: T0 + 20 * DAY,
    impact: true,
  };
  const retimedOf = (p: ReturnType<typeof planImpact>) => p.filter((x) => x.occasion.startsWith('escalation:retimed:'));

  it('raises a re-timed "no impact evidence" escalation again at its new date while the evidence is still due', () => {
    const p = retimedOf(planImpact(facts({ assurance: 'due', retimed: [missing] }), policy, T0 + 21 * DAY));
    expect(p).toEqual([
      {
        at: T0 + 60 * DAY,
        kind: 'escalation',
        reason: 'impact_evidence_missing',
        level: 2,
        occasion: `escalation:retimed:e1:${T0 + 60 * DAY}`,
      },
    ]);
  });
  it('once only, and not when the evidence came or the check was waived meanwhile', () => {
    const f = facts({ assurance: 'due', retimed: [missing], done: [`escalation:retimed:e1:${T0 + 60 * DAY}`] });
    expect(retimedOf(planImpact(f, policy, T0 + 61 * DAY))).toEqual([]);
    const submitted = facts({
      assurance: 'evidence_submitted',
      impactEvidenceSubmittedAt: T0 + 30 * DAY,
      retimed: [missing],
    });
    expect(retimedOf(planImpact(submitted, policy, T0 + 31 * DAY))).toEqual([]);
    expect(planImpact(facts({ assurance: 'waived', retimed: [missing] }), policy, T0 + 31 * DAY)).toEqual([]);
  });
  it('leaves alone a re-timing recorded before the patch (no impact mark), as the old histories did', () => {
    const { impact: _impact, ...old } = missing;
    expect(retimedOf(planImpact(facts({ assurance: 'due', retimed: [old] }), policy, T0 + 21 * DAY))).toEqual([]);
  });
  it('raises a re-timed board delay again only while the same evidence still waits for the board', () => {
    const board = { ...missing, reason: 'awaiting_board' as const, level: 3 };
    const waiting = (submittedAt: number) =>
      facts({ assurance: 'evidence_submitted', impactEvidenceSubmittedAt: submittedAt, retimed: [board] });
    expect(retimedOf(planImpact(waiting(T0 + 10 * DAY), policy, T0 + 21 * DAY))).toHaveLength(1);
    // Evidence sent again after the re-timing starts its own clock: the old delay is not raised.
    expect(retimedOf(planImpact(waiting(T0 + 25 * DAY), policy, T0 + 26 * DAY))).toEqual([]);
  });
});
