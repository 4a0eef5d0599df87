/**
 * Issue 18, the pure parts: who receives an action's mail once it has a named owner
 * (activities/mail-content.ts), and where mail goes for a person who is deactivated or on cover
 * (activities/mail-routing.ts).
 */
import { recipients, type MailFacts } from '../../activities/mail-content';
import { routeAddresses, type KnownPerson } from '../../activities/mail-routing';
import type { NotificationKind, NotificationRequest } from '../../workflows/types';

const facts = (over: Partial<MailFacts> = {}): MailFacts => ({
  publicUrl: 'https://actions.board.test',
  boardChairEmail: 'chair@board.test',
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
    userEmails: ['officer@tvp.test', 'lead@tvp.test', 'owner@tvp.test'],
  },
  boardEmails: ['member@board.test'],
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
const owned = facts({ owner: { email: 'Owner@TVP.test', name: 'Jo Owner' } });

describe('recipients with a named owner', () => {
  it.each(['reminder', 'overdue', 'decision'] as const)('%s: the owner, the lead in copy', (kind) => {
    expect(recipients(req(kind), owned)).toEqual({ to: ['owner@tvp.test'], cc: ['lead@tvp.test'] });
  });

  it('without an owner the whole agency is mailed, as before', () => {
    expect(recipients(req('reminder'), facts())).toEqual({
      to: ['lead@tvp.test', 'officer@tvp.test', 'owner@tvp.test'],
      cc: [],
    });
    expect(recipients(req('reminder'), facts({ owner: null })).cc).toEqual([]);
  });

  it('the lead as owner is not copied to themselves', () => {
    expect(recipients(req('reminder'), facts({ owner: { email: 'lead@tvp.test', name: 'Lead' } }))).toEqual({
      to: ['lead@tvp.test'],
      cc: [],
    });
  });

  it('escalations keep the ladder, with the owner in copy', () => {
    const at = (level: number) => req('escalation', { escalation: { id: 'e', level, reason: 'overdue' } });
    expect(recipients(at(1), owned)).toEqual({ to: ['lead@tvp.test'], cc: ['owner@tvp.test'] });
    expect(recipients(at(2), owned)).toEqual({ to: ['senior@tvp.test'], cc: ['lead@tvp.test', 'owner@tvp.test'] });
    expect(recipients(at(3), owned)).toEqual({
      to: ['chair@board.test'],
      cc: ['lead@tvp.test', 'senior@tvp.test', 'owner@tvp.test'],
    });
    // The board's own delay stays the board's business.
    const board = req('escalation', { escalation: { id: 'e', level: 3, reason: 'awaiting_board' } });
    expect(recipients(board, owned).cc).not.toContain('owner@tvp.test');
  });

  it('the owner-change mail goes to the owner alone; evidence still goes to the board', () => {
    expect(recipients(req('assignment', { audience: 'owner' }), owned)).toEqual({ to: ['owner@tvp.test'], cc: [] });
    expect(recipients(req('evidence_submitted'), owned)).toEqual({ to: ['member@board.test'], cc: [] });
  });
});

describe('routeAddresses', () => {
  const person = (email: string, over: Partial<KnownPerson> = {}): [string, KnownPerson] => [
    email,
    { userId: email, email, deactivated: false, agencyLeadEmail: 'lead@tvp.test', cover: null, ...over },
  ];

  it('leaves people who are here, and unknown addresses, alone', () => {
    const people = new Map([person('owner@tvp.test')]);
    expect(routeAddresses({ to: ['Owner@TVP.test'], cc: ['chair@board.test'] }, people)).toEqual({
      to: ['owner@tvp.test'],
      cc: ['chair@board.test'],
    });
  });

  it('sends mail for someone on cover to the deputy, with a copy to them only if they asked', () => {
    const away = (copyMe: boolean) =>
      new Map([person('owner@tvp.test', { cover: { deputyEmail: 'Deputy@TVP.test', copyMe } })]);
    const mail = { to: ['owner@tvp.test'], cc: ['lead@tvp.test'] };
    expect(routeAddresses(mail, away(false))).toEqual({ to: ['deputy@tvp.test'], cc: ['lead@tvp.test'] });
    expect(routeAddresses(mail, away(true))).toEqual({
      to: ['deputy@tvp.test'],
      cc: ['lead@tvp.test', 'owner@tvp.test'],
    });
  });

  it("sends a deactivated person's mail to their agency's lead, once", () => {
    const people = new Map([person('owner@tvp.test', { deactivated: true })]);
    expect(routeAddresses({ to: ['owner@tvp.test'], cc: ['lead@tvp.test'] }, people)).toEqual({
      to: ['lead@tvp.test'],
      cc: [],
    });
  });
});
