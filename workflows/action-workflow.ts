/**
 * One agency action, from assignment to closure (docs/ARCHITECTURE.md, The action lifecycle).
 *
 * The workflow is the authority on the action's stage. Every change arrives as an Update whose
 * validator (rules.ts) refuses illegal ones before they reach the history; the handler changes
 * the state, bumps `seq`, and awaits the projection activity, so when the caller gets the new
 * state back, Postgres already shows it. Reminders and escalations come from the pure planner:
 * the main loop sleeps until the next planned instant or until something changes.
 *
 * Mail goes through an in-workflow queue drained by one loop, so a slow or absent SMTP server
 * delays mail but never blocks an Update. Each request carries a deterministic occasion; the
 * outbox activity turns it into an idempotency key, so a retry never mails twice.
 *
 * Determinism: any future change to the order or kind of commands this code issues must be
 * guarded with `patched('<change-id>')` (and later `deprecatePatch`), because running workflows
 * and the committed histories in test/fixtures replay through it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ActivityFailure,
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  type RetryPolicy,
} from '@temporalio/common';
import type { createActivities } from '../activities';
import {
  acknowledgeUpdate,
  actionClosedSignal,
  cancelUpdate,
  chairStepUpdate,
  decideExtensionUpdate,
  decideImpactUpdate,
  decideUpdate,
  postProgressUpdate,
  submitImpactEvidenceUpdate,
  reassignUpdate,
  reopenUpdate,
  requestExtensionUpdate,
  resumeStateQuery,
  stateQuery,
  submitEvidenceUpdate,
  withdrawEvidenceUpdate,
  withdrawExtensionUpdate,
} from './messages';
import { EXTENSION_WAIT_OCCASION, plan, type PlannedInstant, type PlanFacts } from './planner';
import { applyChairStep, checkChairStep } from './chair';
import {
  applyCorrectDueDate,
  applyWithdrawWithReview,
  checkCorrectDueDate,
  checkWithdrawWithReview,
  correctDueDateUpdate,
  withdrawWithReviewUpdate,
} from './corrections';
import { followUpReference, impactCheckDate, isAssurancePending, planImpact, type ImpactInstant } from './assurance';
import { checkDecideImpact, checkPostProgress, checkSubmitImpactEvidence } from './assurance-rules';
import { deriveRag } from './rag';
import * as reopening from './reopen-withdraw';
import * as rules from './rules';
import type {
  ActionEvent,
  ActionEventType,
  ActionMemory,
  ActionState,
  ActionWorkflowInput,
  Actor,
  EscalationReason,
  NotificationRequest,
} from './types';
import { actionWorkflowId, PROJECTION_REFUSED, REFUSAL } from './types';

type Activities = ReturnType<typeof createActivities>;

const projectionRetry: RetryPolicy = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '10s',
  nonRetryableErrorTypes: ['UnknownAction'],
};
/** Workflows started before 'projection-local-activity' keep scheduling the projection as an ordinary activity. */
const { projectActionEvent: projectAsActivity } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: projectionRetry,
});
/**
 * The projection as a local activity: it runs in the worker that holds the workflow task, inside that
 * task, so an Update costs one server round trip instead of three (schedule, activity task, completion).
 * It is idempotent on workflowId:seq, so a re-run after a lost workflow task writes nothing twice.
 * Retries past localRetryThreshold continue on a timer, so a long database outage holds no task open.
 */
const { projectActionEvent: projectLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '10s',
  retry: projectionRetry,
});
/**
 * The projection of an Update under 'update-after-projection': the same local activity, but a
 * refusal by Postgres (PROJECTION_REFUSED: a data or integrity error, which no retry can cure)
 * ends it, so the Update fails and its changes are undone instead of retrying for ever.
 */
const { projectActionEvent: projectRefusably } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '10s',
  retry: { ...projectionRetry, nonRetryableErrorTypes: ['UnknownAction', PROJECTION_REFUSED] },
});
/**
 * Update handlers in workflows that reached this code: one Update at a time, checked again
 * against the state it finds, and its changes kept only once projected (undone otherwise).
 */
const UPDATE_AFTER_PROJECTION = 'update-after-projection';
/**
 * Issue 17: an approval starts the impact check, and the workflow runs on after closure until the
 * board has decided on the impact (or waived it). Approvals recorded before this replay as before.
 */
const IMPACT_CHECK = 'impact-check-after-approval';
/** issue 22: an extension request mails the board and counts toward the board-delay escalation. */
const EXTENSION_REQUEST_TELLS_BOARD = 'extension-request-tells-board';
const { sendNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  // No attempt limit: while SMTP is down the mail waits, it is never dropped.
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '15s',
    nonRetryableErrorTypes: ['UnknownAction'],
  },
});

/** A projection's refusal, as the Update's caller should read it; anything else unchanged. */
function notRecorded(err: unknown): unknown {
  // A local activity's failure arrives as the activity's own ApplicationFailure or wrapped in an ActivityFailure.
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && (cause.type === PROJECTION_REFUSED || cause.type === 'UnknownAction')) {
    return ApplicationFailure.create({
      type: REFUSAL.notRecorded,
      message: `the change was not made: it could not be recorded (${cause.message})`,
      nonRetryable: true,
    });
  }
  return err;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function initialMemory(input: ActionWorkflowInput, now: number): ActionMemory {
  return {
    stage: 'assigned',
    outcome: null,
    agencyId: input.agencyId,
    agencyCode: input.agencyCode,
    dueDate: Date.parse(input.dueDate),
    dueDateSetAt: now,
    assignedAt: now,
    acknowledgedAt: null,
    lastActivityAt: now,
    evidenceSubmittedAt: null,
    currentEvidenceId: null,
    closedAt: null,
    changesRequested: false,
    pendingExtension: null,
    openEscalations: [],
    done: [],
    seq: 0,
    outbox: [],
  };
}

export async function actionWorkflow(input: ActionWorkflowInput): Promise<ActionState> {
  const { policy } = input;
  const workflowId = workflowInfo().workflowId;
  const fresh = !input.resume;
  const m: ActionMemory = input.resume?.memory ?? initialMemory(input, Date.now());
  /** Bumped on every change so the main loop re-plans. */
  let changes = 0;
  let sending = false;
  let projecting: Promise<unknown> = Promise.resolve();
  /** An Update under UPDATE_AFTER_PROJECTION is between its check and its projection's end. */
  let updating = false;
  /** Read by commit() as it starts: the commit belongs to such an Update. */
  let strictCommit = false;
  // Decided once per run: a workflow that started on the old code keeps its activity projections to the end.
  const projectActionEvent = patched('projection-local-activity') ? projectLocally : projectAsActivity;
  // Working days and the delivery window need the board's calendar; a run that began without it keeps planning without it.
  const calendar = input.calendar && patched('board-calendar') ? input.calendar : undefined;

  const terminal = () => m.stage === 'closed' || m.stage === 'cancelled';
  const facts = (): PlanFacts => ({
    stage: m.stage,
    dueDate: m.dueDate,
    dueDateSetAt: m.dueDateSetAt,
    assignedAt: m.assignedAt,
    acknowledgedAt: m.acknowledgedAt,
    lastActivityAt: m.lastActivityAt,
    evidenceSubmittedAt: m.evidenceSubmittedAt,
    done: m.done,
    retimed: m.retimed, // issue 20: set only by the chair's re-timing (workflows/chair.ts)
    extensionRequestedAt: m.pendingExtension?.requestedAt ?? null,
  });
  const next = (): PlannedInstant | undefined => plan(facts(), policy, Date.now(), calendar)[0];
  const escalationLevel = () => m.openEscalations.reduce((max, e) => Math.max(max, e.level), 0);

  const view = (): ActionState => {
    const n = next();
    return {
      actionId: input.actionId,
      stage: m.stage,
      outcome: m.outcome,
      agencyId: m.agencyId,
      dueDate: new Date(m.dueDate).toISOString(),
      escalationLevel: escalationLevel(),
      openEscalations: m.openEscalations.map(({ level, reason, raisedAt }) => ({ level, reason, raisedAt })),
      changesRequested: m.changesRequested,
      pendingExtensionId: m.pendingExtension?.requestId ?? null,
      nextTimer: nextTimerView(n),
      ...(m.assurance !== undefined
        ? {
            assurance: m.assurance,
            impactCheckAt: iso(m.impactCheckAt ?? null),
            followUpActionId: m.followUpActionId ?? null,
          }
        : {}),
      seq: m.seq,
    };
  };
  const nextTimerView = (n: PlannedInstant | undefined): ActionState['nextTimer'] => {
    if (n) return { at: new Date(n.at).toISOString(), kind: n.reason ? `${n.kind}:${n.reason}` : n.kind };
    const i = terminal() ? nextImpact() : undefined;
    return i ? { at: new Date(i.at).toISOString(), kind: i.reason ? `${i.kind}:${i.reason}` : i.kind } : null;
  };

  // ---- issue 17: the impact check's schedule ----
  const planImpactNow = (): ImpactInstant[] =>
    planImpact(
      {
        assurance: m.assurance,
        impactCheckAt: m.impactCheckAt,
        impactEvidenceSubmittedAt: m.impactEvidenceSubmittedAt,
        done: m.done,
        retimed: m.retimed,
      },
      policy,
      Date.now(),
      calendar,
    );
  const nextImpact = (): ImpactInstant | undefined => planImpactNow()[0];

  const resolveEscalations = (reasons: EscalationReason[] | 'all'): string[] => {
    const resolved = m.openEscalations.filter((e) => reasons === 'all' || reasons.includes(e.reason));
    m.openEscalations = m.openEscalations.filter((e) => !resolved.includes(e));
    return resolved.map((e) => e.id);
  };

  /** Ends the board-delay escalation of a waiting extension request, if one was raised. */
  const resolveWaitOnExtension = (): string[] => {
    const resolved = m.openEscalations.filter((e) => e.occasion.startsWith(EXTENSION_WAIT_OCCASION));
    m.openEscalations = m.openEscalations.filter((e) => !resolved.includes(e));
    return resolved.map((e) => e.id);
  };

  const mail = (kind: NotificationRequest['kind'], occasion: string, extra: Partial<NotificationRequest> = {}) => {
    m.outbox.push({ workflowId, kind, occasion, actionId: input.actionId, ...extra });
  };

  /** Records one transition: bump seq, project it (awaited), then queue its mail. */
  async function commit(
    type: ActionEventType,
    actor: Actor | null,
    payload: Record<string, unknown>,
    related: Partial<ActionEvent> = {},
    mails: Parameters<typeof mail>[] = [],
  ): Promise<void> {
    m.seq += 1;
    changes += 1;
    const now = Date.now();
    const n = next();
    const strict = strictCommit;
    const event: ActionEvent = {
      workflowId,
      seq: m.seq,
      actionId: input.actionId,
      reviewId: input.reviewId,
      type,
      actor,
      occurredAt: new Date(now).toISOString(),
      payload,
      row: {
        status: m.stage,
        outcome: m.outcome,
        agencyId: m.agencyId,
        dueDate: new Date(m.dueDate).toISOString(),
        rag: deriveRag(
          {
            stage: m.stage,
            dueDate: m.dueDate,
            escalationLevel: escalationLevel(),
            changesRequested: m.changesRequested,
          },
          policy,
          now,
          calendar,
        ),
        escalationLevel: escalationLevel(),
        changesRequested: m.changesRequested,
        acknowledgedAt: iso(m.acknowledgedAt),
        lastActivityAt: iso(m.lastActivityAt),
        closedAt: iso(m.closedAt),
        nextTimerAt: n ? iso(n.at) : iso(terminal() ? (nextImpact()?.at ?? null) : null),
        // Only workflows that know the impact check write its columns (older events leave them alone).
        ...(m.assurance !== undefined
          ? {
              assurance: m.assurance,
              impactCheckAt: iso(m.impactCheckAt ?? null),
              followUpActionId: m.followUpActionId ?? null,
            }
          : {}),
      },
      ...related,
      ...(strict ? { storableText: true } : {}),
    };
    const project = strict ? projectRefusably : projectActionEvent;
    // Projections run one at a time in seq order, so the audit trail reads in the order things happened
    // even when an Update arrives while the previous projection is still running.
    const projected = projecting.then(() => project(event));
    projecting = projected.catch(() => undefined);
    await projected;
    // Queued only once projected: the outbox composes from the rows (recipients of the agency now owning it).
    for (const args of mails) mail(...args);
  }

  // The assignment is recorded before any handler is registered: an Update that reached a new
  // workflow in its first task (a cancel right after creation) would otherwise run first, and the
  // audit trail and the mails would say "cancelled" before "assigned".
  const assignFirst = fresh && patched('assignment-before-updates');
  const assigning = assignFirst ? assign() : undefined;
  function assign(): Promise<void> {
    return commit('assigned', null, { agencyCode: m.agencyCode, dueDate: new Date(m.dueDate).toISOString() }, {}, [
      ['assignment', 'assigned'],
    ]);
  }

  /**
   * Runs an Update's handler so that the workflow's state changes only if its projection lands:
   * one such Update at a time (a second waits, then is checked again against what the first
   * left), and on any failure every field but the mail queue goes back to what it was. A refusal
   * by the projection reaches the caller as NotRecorded; the action stays as it was, usable.
   */
  async function transact(check: () => void, apply: () => Promise<ActionState>): Promise<ActionState> {
    if (updating) await condition(() => !updating);
    updating = true;
    const { outbox: _queued, ...before } = m;
    const saved = JSON.parse(JSON.stringify(before)) as Omit<ActionMemory, 'outbox'>;
    try {
      check();
      strictCommit = true;
      const applied = apply();
      strictCommit = false;
      return await applied;
    } catch (err) {
      Object.assign(m, saved);
      changes += 1;
      throw notRecorded(err);
    } finally {
      strictCommit = false;
      updating = false;
    }
  }

  /** Old histories (no marker) run the handler as they were recorded; new Updates run it in transact(). */
  function guarded<A>(
    check: (m: ActionMemory, a: A) => void,
    handler: (a: A) => Promise<ActionState>,
  ): (a: A) => Promise<ActionState> {
    return (a: A) =>
      patched(UPDATE_AFTER_PROJECTION)
        ? transact(
            () => check(m, a),
            () => handler(a),
          )
        : handler(a);
  }

  // ---- Updates ----

  setHandler(
    acknowledgeUpdate,
    guarded(rules.checkAcknowledge, async ({ actor }) => {
      const now = Date.now();
      m.stage = 'in_progress';
      m.acknowledgedAt = now;
      m.lastActivityAt = now;
      const resolved = resolveEscalations(['not_acknowledged', 'stalled']);
      await commit('acknowledged', actor, {}, { escalationsResolved: resolved });
      return view();
    }),
    { validator: (a) => rules.checkAcknowledge(m, a) },
  );

  setHandler(
    submitEvidenceUpdate,
    guarded(rules.checkSubmitEvidence, async (a) => {
      const now = Date.now();
      m.stage = 'under_review';
      m.lastActivityAt = now;
      m.evidenceSubmittedAt = now;
      m.currentEvidenceId = a.evidenceId;
      const resolved = resolveEscalations(['not_acknowledged', 'stalled']);
      await commit(
        'evidence_submitted',
        a.actor,
        { evidenceId: a.evidenceId, links: a.links.length, attachments: a.attachments.length },
        {
          evidence: {
            id: a.evidenceId,
            statement: a.statement,
            links: a.links,
            attachments: a.attachments,
            submittedBy: a.actor.userId,
          },
          escalationsResolved: resolved,
        },
        [['evidence_submitted', `evidence:${a.evidenceId}`]],
      );
      return view();
    }),
    { validator: (a) => rules.checkSubmitEvidence(m, a) },
  );

  setHandler(
    decideUpdate,
    guarded(rules.checkDecide, async (a) => {
      const now = Date.now();
      const evidenceId = m.currentEvidenceId;
      const decisionId = uuid4();
      m.evidenceSubmittedAt = null;
      if (a.outcome === 'request_changes') {
        m.stage = 'in_progress';
        m.changesRequested = true;
        m.lastActivityAt = now;
      } else {
        m.stage = 'closed';
        m.closedAt = now;
        m.changesRequested = false;
        m.outcome = a.outcome === 'approve' ? 'implemented' : 'not_implemented';
        if (a.outcome === 'approve' && patched(IMPACT_CHECK)) {
          const checkAt = impactCheckDate(policy, input.impactCheck, now);
          m.assurance = checkAt === null ? null : 'scheduled';
          m.impactCheckAt = checkAt;
        }
      }
      const resolved = resolveEscalations(a.outcome === 'request_changes' ? ['awaiting_board'] : 'all');
      const evidenceStatus =
        a.outcome === 'approve' ? 'accepted' : a.outcome === 'request_changes' ? 'changes_requested' : 'not_accepted';
      await commit(
        'decided',
        a.actor,
        { outcome: a.outcome, comment: a.comment ?? '' },
        {
          decision: {
            id: decisionId,
            evidenceId,
            outcome: a.outcome,
            comment: a.comment ?? '',
            decidedBy: a.actor.userId,
          },
          evidenceStatus: evidenceId ? { id: evidenceId, status: evidenceStatus } : undefined,
          escalationsResolved: resolved,
        },
        [['decision', `decision:${decisionId}`, { detail: { outcome: a.outcome, comment: a.comment ?? '' } }]],
      );
      return view();
    }),
    { validator: (a) => rules.checkDecide(m, a) },
  );

  setHandler(
    requestExtensionUpdate,
    guarded(rules.checkRequestExtension, async (a) => {
      const newDueDate = Date.parse(a.newDueDate);
      // issue 22: the board is mailed, and the request counts toward the board-delay escalation.
      const tellBoard = patched(EXTENSION_REQUEST_TELLS_BOARD);
      m.pendingExtension = { requestId: a.requestId, newDueDate, ...(tellBoard ? { requestedAt: Date.now() } : {}) };
      m.lastActivityAt = Date.now();
      await commit(
        'extension_requested',
        a.actor,
        { requestId: a.requestId, newDueDate: new Date(newDueDate).toISOString() },
        {
          extension: {
            id: a.requestId,
            previousDueDate: new Date(m.dueDate).toISOString(),
            newDueDate: new Date(newDueDate).toISOString(),
            reason: a.reason,
            interimMeasures: a.interimMeasures,
            requestedBy: a.actor.userId,
          },
        },
        tellBoard ? [['extension_requested', `extension-request:${a.requestId}`]] : [],
      );
      return view();
    }),
    { validator: (a) => rules.checkRequestExtension(m, a) },
  );

  setHandler(
    decideExtensionUpdate,
    guarded(rules.checkDecideExtension, async (a) => {
      const pending = m.pendingExtension!;
      m.pendingExtension = null;
      // The board has decided: its delay on this request is over (none such in runs before the patch).
      let resolved: string[] = resolveWaitOnExtension();
      if (a.outcome === 'approve') {
        // A new due date re-plans every timer: the planner's occasions embed the due date.
        m.dueDate = pending.newDueDate;
        m.dueDateSetAt = Date.now();
        resolved = [...resolved, ...resolveEscalations(['overdue'])];
      }
      await commit(
        'extension_decided',
        a.actor,
        { requestId: a.requestId, outcome: a.outcome, comment: a.comment ?? null },
        {
          extensionDecision: {
            id: a.requestId,
            status: a.outcome === 'approve' ? 'approved' : 'rejected',
            decidedBy: a.actor.userId,
            comment: a.comment ?? null,
          },
          escalationsResolved: resolved,
        },
        [
          [
            'decision',
            `extension:${a.requestId}`,
            {
              detail: { extension: a.outcome, newDueDate: new Date(m.dueDate).toISOString(), comment: a.comment ?? '' },
            },
          ],
        ],
      );
      return view();
    }),
    { validator: (a) => rules.checkDecideExtension(m, a) },
  );

  setHandler(
    cancelUpdate,
    guarded(rules.checkCancel, async (a) => {
      m.stage = 'cancelled';
      m.closedAt = Date.now();
      m.pendingExtension = null;
      const resolved = resolveEscalations('all');
      await commit('cancelled', a.actor, { reason: a.reason }, { escalationsResolved: resolved }, [
        ['decision', `cancel:${m.seq + 1}`, { detail: { outcome: 'cancelled', comment: a.reason } }],
      ]);
      return view();
    }),
    { validator: (a) => rules.checkCancel(m, a) },
  );

  setHandler(
    reassignUpdate,
    guarded(rules.checkReassign, async (a) => {
      const now = Date.now();
      const from = m.agencyCode;
      m.agencyId = a.agencyId;
      m.agencyCode = a.agencyCode;
      // The new agency starts from the beginning: it must acknowledge, and is told as on assignment.
      m.stage = 'assigned';
      m.assignedAt = now;
      m.acknowledgedAt = null;
      m.lastActivityAt = now;
      m.pendingExtension = null;
      m.changesRequested = false;
      const resolved = resolveEscalations('all');
      await commit('reassigned', a.actor, { from, to: a.agencyCode }, { escalationsResolved: resolved }, [
        ['assignment', `reassigned:${m.seq + 1}:${a.agencyId}`],
      ]);
      return view();
    }),
    { validator: (a) => rules.checkReassign(m, a) },
  );

  // ---- issue 17: progress updates and the impact check ----

  setHandler(
    postProgressUpdate,
    guarded(checkPostProgress, async (a) => {
      // Not a submission: the stage stays, the board is asked nothing; the stall clock starts again.
      m.lastActivityAt = Date.now();
      const resolved = resolveEscalations(['stalled']);
      const update = {
        id: a.updateId,
        statement: a.statement,
        percentComplete: a.percentComplete ?? null,
        rag: a.rag ?? null,
        ragReason: a.rag ? (a.ragReason ?? null) : null,
        attachments: a.attachments,
      };
      await commit(
        'progress_updated',
        a.actor,
        {
          updateId: a.updateId,
          percentComplete: update.percentComplete,
          rag: update.rag,
          // Recorded by the board for the agency: the audit event names the agency (no key otherwise,
          // so the histories recorded before it replay with the same payload).
          ...(a.forAgency === true ? { forAgency: m.agencyCode } : {}),
        },
        { progressUpdate: update, escalationsResolved: resolved },
      );
      return view();
    }),
    { validator: (a) => checkPostProgress(m, a) },
  );

  setHandler(
    submitImpactEvidenceUpdate,
    guarded(checkSubmitImpactEvidence, async (a) => {
      m.assurance = 'evidence_submitted';
      m.impactEvidenceId = a.evidenceId;
      m.impactEvidenceSubmittedAt = Date.now();
      const resolved = resolveEscalations(['impact_evidence_missing']);
      await commit(
        'impact_evidence_submitted',
        a.actor,
        { evidenceId: a.evidenceId, method: a.method, attachments: a.attachments.length },
        {
          impactEvidence: {
            id: a.evidenceId,
            statement: a.statement,
            method: a.method,
            links: a.links,
            attachments: a.attachments,
          },
          escalationsResolved: resolved,
        },
        [['impact_evidence_submitted', `impact-evidence:${a.evidenceId}`]],
      );
      return view();
    }),
    { validator: (a) => checkSubmitImpactEvidence(m, a) },
  );

  setHandler(
    decideImpactUpdate,
    guarded(
      (mem, a) => checkDecideImpact(mem, a, Date.now()),
      async (a) => {
        const decisionId = uuid4();
        const evidenceId = a.outcome === 'waived' ? null : (m.impactEvidenceId ?? null);
        m.assurance = a.outcome;
        m.impactEvidenceSubmittedAt = null;
        let followUp: { id: string; reference: string; title: string; dueDate: string; workflowId: string } | undefined;
        if (a.outcome === 'not_embedded') {
          const { resume: _resume, ...base } = input;
          const id = uuid4();
          const child: ActionWorkflowInput = {
            ...base,
            actionId: id,
            reference: followUpReference(input.reference),
            title: a.followUpTitle?.trim() || `Follow-up to ${input.reference}: ${input.title}`,
            agencyId: m.agencyId,
            agencyCode: m.agencyCode,
            dueDate: new Date(Date.parse(a.followUpDueDate!)).toISOString(),
          };
          followUp = {
            id,
            reference: child.reference,
            title: child.title,
            dueDate: child.dueDate,
            workflowId: actionWorkflowId(id),
          };
          m.followUpActionId = id;
          m.followUpToStart = child;
        }
        const resolved = resolveEscalations('all');
        const detail: Record<string, string> = { outcome: a.outcome, comment: a.comment ?? '' };
        if (followUp) detail.followUp = `${followUp.reference} due ${followUp.dueDate.slice(0, 10)}`;
        await commit(
          'impact_decided',
          a.actor,
          { outcome: a.outcome, comment: a.comment ?? '', followUpActionId: followUp?.id ?? null },
          {
            impactDecision: { id: decisionId, evidenceId, outcome: a.outcome, comment: a.comment ?? '', followUp },
            escalationsResolved: resolved,
          },
          [['impact_decision', `impact-decision:${decisionId}`, { detail }]],
        );
        return view();
      },
    ),
    { validator: (a) => checkDecideImpact(m, a, Date.now()) },
  );
  // ---- issue 20: the independent chair's steps on an escalation (workflows/chair.ts, patch CHAIR_PATCH) ----
  setHandler(
    chairStepUpdate,
    guarded(checkChairStep, (a) => applyChairStep({ m, commit, view }, a)),
    { validator: (a) => checkChairStep(m, a) },
  );
  // ---- end issue 20 ----
  // ---- issue 22: the board's corrections (workflows/corrections.ts, patch CORRECTIONS_PATCH) ----
  const correcting = { m, commit: (...c: Parameters<typeof commit>) => commit(...c), view, resolveEscalations };
  setHandler(
    correctDueDateUpdate,
    guarded(checkCorrectDueDate, (a) => applyCorrectDueDate(correcting, a)),
    { validator: (a) => checkCorrectDueDate(m, a) },
  );
  setHandler(
    withdrawWithReviewUpdate,
    guarded(checkWithdrawWithReview, (a) => applyWithdrawWithReview(correcting, a)),
    { validator: (a) => checkWithdrawWithReview(m, a) },
  );
  // ---- end issue 22 corrections ----

  // ---- issue 22: the board reopens a finished action; the agency withdraws (workflows/reopen-withdraw.ts) ----
  const undoDeps = { m, commit, view };
  setHandler(
    reopenUpdate,
    guarded(reopening.checkReopen, (a) => reopening.applyReopen(undoDeps, a)),
    { validator: (a) => reopening.checkReopen(m, a) },
  );
  setHandler(
    withdrawExtensionUpdate,
    guarded(reopening.checkWithdrawExtension, (a) => reopening.applyWithdrawExtension(undoDeps, a)),
    { validator: (a) => reopening.checkWithdrawExtension(m, a) },
  );
  setHandler(
    withdrawEvidenceUpdate,
    guarded(reopening.checkWithdrawEvidence, (a) => reopening.applyWithdrawEvidence(undoDeps, a)),
    { validator: (a) => reopening.checkWithdrawEvidence(m, a) },
  );
  setHandler(resumeStateQuery, () => {
    const { resume: _resume, ...carried } = input;
    return { input: carried, memory: m };
  });
  // ---- end issue 22 ----

  setHandler(stateQuery, view);

  // ---- the mail queue ----

  const mailLoop = async () => {
    for (;;) {
      await condition(() => m.outbox.length > 0);
      sending = true;
      try {
        await sendNotification(m.outbox[0]);
      } catch (err) {
        // Only a non-retryable failure gets here (the action row is gone): nothing to mail.
        log.warn('notification dropped', { error: String(err), occasion: m.outbox[0].occasion });
      }
      m.outbox.shift();
      sending = false;
    }
  };
  void mailLoop();

  // ---- timers ----

  async function fire(p: PlannedInstant): Promise<void> {
    // Never true in histories recorded before UPDATE_AFTER_PROJECTION, so those replay unchanged.
    if (updating) await condition(() => !updating);
    m.done.push(p.occasion);
    if (p.kind === 'reminder') {
      await commit('reminder_sent', null, { occasion: p.occasion }, {}, [['reminder', p.occasion]]);
    } else if (p.kind === 'overdue') {
      await commit('overdue_reminder_sent', null, { occasion: p.occasion }, {}, [['overdue', p.occasion]]);
    } else {
      await raiseEscalation(p.occasion, p.level ?? 1, p.reason ?? 'overdue');
    }
  }

  async function raiseEscalation(occasion: string, level: number, reason: EscalationReason): Promise<void> {
    const escalation = { id: uuid4(), level, reason };
    m.openEscalations.push({ ...escalation, raisedAt: new Date(Date.now()).toISOString(), occasion });
    await commit(
      'escalation_raised',
      null,
      { level: escalation.level, reason: escalation.reason },
      { escalationRaised: escalation },
      [['escalation', occasion, { escalation }]],
    );
  }

  // ---- issue 17: the impact check's timers, after closure ----

  async function fireImpact(p: ImpactInstant): Promise<void> {
    if (updating) await condition(() => !updating);
    // An Update that ran meanwhile (evidence sent early, a waiver) may have made this instant moot.
    if (!planImpactNow().some((x) => x.occasion === p.occasion)) return;
    m.done.push(p.occasion);
    if (p.kind === 'impact_request') {
      m.assurance = 'due';
      await commit('impact_check_due', null, { occasion: p.occasion }, {}, [['impact_request', p.occasion]]);
    } else if (p.kind === 'impact_reminder') {
      await commit('impact_reminder_sent', null, { occasion: p.occasion }, {}, [['impact_reminder', p.occasion]]);
    } else {
      await raiseEscalation(p.occasion, p.level ?? 1, p.reason ?? 'impact_evidence_missing');
    }
  }

  /** Waits for the check date, asks, reminds and escalates until the board has decided on the impact. */
  async function runImpactCheck(): Promise<void> {
    while (isAssurancePending(m.assurance)) {
      const n = nextImpact();
      if (n && n.at <= Date.now()) {
        await fireImpact(n);
        continue;
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(() => allHandlersFinished() && !sending);
        await continueAsNew<typeof actionWorkflow>({ ...input, resume: { memory: m } });
      }
      const seen = changes;
      if (n) await condition(() => changes !== seen, Math.max(n.at - Date.now(), 1));
      else await condition(() => changes !== seen);
    }
  }

  /** The follow-up a "not embedded" decision created: its own workflow, outliving this one. */
  async function startFollowUp(child: ActionWorkflowInput): Promise<void> {
    try {
      await startChild(actionWorkflow, {
        workflowId: actionWorkflowId(child.actionId),
        args: [child],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    m.followUpToStart = null;
  }

  if (assigning) await assigning;
  else if (fresh) await assign();
  // Issue 22: a run started only to be reopened waits for the reopen Update (no such run before it).
  if (input.resume?.reopening && terminal()) await condition(() => !terminal(), reopening.REOPEN_WAIT_MS);

  // The loop goes round again only when the board reopened the action (issue 22): in runs where
  // nobody did, terminal() holds at both checks and it ends as before.
  for (;;) {
    while (!terminal()) {
      const n = next();
      if (n && n.at <= Date.now()) {
        await fire(n);
        continue;
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(() => allHandlersFinished() && !sending);
        await continueAsNew<typeof actionWorkflow>({ ...input, resume: { memory: m } });
      }
      const seen = changes;
      if (n) await condition(() => changes !== seen || terminal(), Math.max(n.at - Date.now(), 1));
      else await condition(() => changes !== seen || terminal());
    }

    // Closed or cancelled: let in-flight handlers finish and the last mails go before completing.
    await condition(() => allHandlersFinished() && m.outbox.length === 0 && !sending);
    if (!terminal()) continue;
    if (!m.closureTold) {
      try {
        await getExternalWorkflowHandle(input.recommendationWorkflowId).signal(actionClosedSignal, {
          actionId: input.actionId,
          outcome: m.stage === 'cancelled' ? 'cancelled' : (m.outcome ?? 'not_implemented'),
        });
      } catch (err) {
        log.warn('could not tell the recommendation workflow', { error: String(err) });
      }
      // Memory only (no command): a run continued after closure does not tell the recommendation twice.
      m.closureTold = true;
    }

    // ---- issue 17: after closure, the impact check (never set on approvals from before it) ----
    if (isAssurancePending(m.assurance)) await runImpactCheck();
    if (m.followUpToStart) await startFollowUp(m.followUpToStart);
    if (m.assurance !== undefined) await condition(() => allHandlersFinished() && m.outbox.length === 0 && !sending);
    if (terminal()) break;
  }
  return view();
}
