/**
 * Who may post progress updates and take part in the impact check, and when (issue 17). The
 * Update validators call these, so a refused message never enters the history (rules.ts).
 */
import { IMPACT_METHODS, IMPACT_OUTCOMES, RAGS } from '../domain/vocabulary';
import {
  blank,
  illegal,
  invalid,
  requireBoard,
  requireBoardForAgency,
  requireOwner,
  requireStage,
  requireStorable,
} from './rules';
import type { ActionMemory, DecideImpactArgs, PostProgressArgs, SubmitImpactEvidenceArgs } from './types';

export function checkPostProgress(m: ActionMemory, a: PostProgressArgs): void {
  requireStorable(a);
  if (a?.forAgency === true) requireBoardForAgency(a.actor);
  else requireOwner(m, a?.actor);
  requireStage(m, ['in_progress', 'under_review'], 'post a progress update on');
  if (blank(a.updateId)) invalid('updateId is required');
  if (blank(a.statement)) invalid('a statement is required');
  const p = a.percentComplete;
  if (p !== undefined && p !== null && (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100))
    invalid('percentComplete must be a whole number from 0 to 100');
  if (a.rag !== undefined && a.rag !== null) {
    if (!(RAGS as readonly string[]).includes(a.rag)) invalid(`rag must be one of ${RAGS.join(', ')}`);
    if (blank(a.ragReason)) invalid('a RAG needs its reason');
  }
  if (!Array.isArray(a.attachments)) invalid('attachments must be a list');
  if (a.forAgency !== undefined && typeof a.forAgency !== 'boolean') invalid('forAgency must be true or false');
}

export function checkSubmitImpactEvidence(m: ActionMemory, a: SubmitImpactEvidenceArgs): void {
  requireStorable(a);
  requireOwner(m, a?.actor);
  if (m.assurance !== 'scheduled' && m.assurance !== 'due')
    illegal(`cannot submit impact evidence when the impact check is ${m.assurance ?? 'not set'}`);
  if (blank(a.evidenceId)) invalid('evidenceId is required');
  if (blank(a.statement)) invalid('a statement of impact is required');
  if (!(IMPACT_METHODS as readonly string[]).includes(a.method))
    invalid(`method must be one of ${IMPACT_METHODS.join(', ')}`);
  if (!Array.isArray(a.links) || !Array.isArray(a.attachments)) invalid('links and attachments must be lists');
}

export function checkDecideImpact(m: ActionMemory, a: DecideImpactArgs, now: number): void {
  requireStorable(a);
  requireBoard(m, a?.actor, true);
  if (!(IMPACT_OUTCOMES as readonly string[]).includes(a.outcome)) invalid(`unknown outcome ${String(a.outcome)}`);
  if (a.outcome === 'waived') {
    if (m.assurance !== 'scheduled' && m.assurance !== 'due' && m.assurance !== 'evidence_submitted')
      illegal(`cannot waive an impact check that is ${m.assurance ?? 'not set'}`);
  } else if (m.assurance !== 'evidence_submitted') {
    illegal(`cannot decide on impact when the impact check is ${m.assurance ?? 'not set'}`);
  }
  if (a.outcome !== 'evidenced' && blank(a.comment)) invalid(`${a.outcome.replace('_', ' ')} needs the reason`);
  if (a.outcome === 'not_embedded') {
    const at = typeof a.followUpDueDate === 'string' ? Date.parse(a.followUpDueDate) : Number.NaN;
    if (Number.isNaN(at)) invalid('followUpDueDate is required: the follow-up action needs a due date');
    if (at <= now) invalid('followUpDueDate must be in the future');
  }
}
