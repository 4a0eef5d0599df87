/**
 * A request for more time is the board's to decide, so it is treated as evidence is (issue 22,
 * items 4 and 5): the board is mailed who asks, for what date, why and what protects children
 * meanwhile; if the board does not decide within boardDecisionWithin, the chair is told; the
 * decision ends that escalation, and the agency's mail says the new and the old date.
 * Patch: 'extension-request-tells-board'.
 */
import { and, eq } from 'drizzle-orm';
import { acknowledgeAction, decideExtension, requestExtension } from '../../api/use-cases/actions';
import { escalations } from '../../db/schema';
import { formatDay } from '../../lib/board-time';
import { bundle, CHAIR, Harness, until } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await new Harness('extboard', await bundle()).start();
}, 120000);
afterAll(async () => h?.stop());

it('the board is mailed, the chair is told when it waits too long, and the decision ends that escalation', async () => {
  const { refs, actionIds } = await h.review({ boardDecisionWithin: 'PT3S' }, [{ dueInMs: 40 * 86_400_000 }]);
  const [id] = actionIds;
  const before = await acknowledgeAction(h.deps, h.people.csc, id);
  const oldDue = Date.parse(before.dueDate);
  const newDue = new Date(oldDue + 30 * 86_400_000).toISOString();
  const { requestId } = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: newDue,
    reason: 'The trainer left',
    interimMeasures: 'Weekly briefings by the duty manager',
  });

  const asked = await h.waitMail(refs[0], 'extension_requested');
  expect(asked.to.sort()).toEqual(['boardcsc@board.test', 'member@board.test']);
  expect(asked.subject).toContain(`Extension requested: 1.1 to ${formatDay(newDue)}`);
  expect(asked.text).toContain(`from ${formatDay(before.dueDate)} to ${formatDay(newDue)}`);
  expect(asked.text).toContain('Reason for the delay: The trainer left');
  expect(asked.text).toContain(
    'Interim measures that protect children meanwhile: Weekly briefings by the duty manager',
  );
  expect(asked.text).toContain('CSC Worker (');

  const chair = await h.waitMail(refs[0], 'escalation');
  expect(chair.to).toEqual([CHAIR]);
  expect(chair.text).toContain('has an extension request that has been waiting too long for the board');
  const [open] = await h.db.db
    .select()
    .from(escalations)
    .where(and(eq(escalations.actionId, id), eq(escalations.reason, 'awaiting_board')));
  expect(open).toMatchObject({ level: 3, resolvedAt: null });

  await decideExtension(h.deps, h.people.board, id, requestId, { outcome: 'approve', comment: 'Agreed' });
  await until(async () => {
    const [e] = await h.db.db.select().from(escalations).where(eq(escalations.id, open.id));
    return e.resolvedAt !== null;
  });
  const approved = await h.waitMail(refs[0], 'decision');
  expect(approved.subject).toContain(`Extension approved: 1.1 now due ${formatDay(newDue)}`);
  expect(approved.text).toContain(`It is now due on ${formatDay(newDue)} (was ${formatDay(before.dueDate)}).`);
  expect(approved.text).toContain(
    'Interim measures that protect children meanwhile: Weekly briefings by the duty manager',
  );
  expect(approved.text).not.toMatch(/\d{4}-\d{2}-\d{2}|UTC|reject|approve\b/);

  if (process.env.RECORD_FIXTURES === '1') {
    await h.settled(id);
    await h.saveHistory(`action-${id}`, 'action-extension-tells-board.history.json');
  }
});
