/**
 * The audit chain proves its own rows were not changed; this checks the rows people read
 * against it. Each action's newest event must be the one its row was projected from (so the
 * newest events cannot be deleted unnoticed), and every evidence, decision and extension row
 * must say what its signed event says (so a statement or comment edited in SQL is found).
 * Rows whose events were written before events carried their content are counted, not judged.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

export interface ConsistencyReport {
  problems: string[];
  /** Rows checked against their event's content. */
  checked: number;
  /** Rows whose event predates content in events (nothing to compare with). */
  unattested: number;
}

const rowsOf = <T>(r: unknown): T[] => (r as { rows?: T[] }).rows ?? (r as T[]);
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(String(v)).toISOString());
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sortedFiles = (files: { filename: string; sha256: string }[]) =>
  files
    .map((f) => ({ filename: f.filename, sha256: f.sha256 }))
    .sort((x, y) => (x.sha256 + x.filename < y.sha256 + y.filename ? -1 : 1));

export async function checkRowsAgainstAudit(db: DbOrTx): Promise<ConsistencyReport> {
  const problems: string[] = [];
  let checked = 0;
  let unattested = 0;

  const actionRows = rowsOf<{
    id: string;
    status: string;
    projected_seq: number;
    last_seq: number | null;
    last_status: string | null;
  }>(
    await db.execute(sql`
      select a.id, a.status, a.projected_seq, last.seq as last_seq, last.status as last_status
      from actions a
      left join lateral (
        select substring(e.event_key from ':([0-9]+)$')::int as seq, e.payload->>'status' as status
        from audit_events e
        where e.action_id = a.id and e.event_key ~ ':[0-9]+$'
        order by substring(e.event_key from ':([0-9]+)$')::int desc
        limit 1
      ) last on true
      where a.projected_seq > 0`),
  );
  for (const a of actionRows) {
    checked += 1;
    if (a.last_seq === null)
      problems.push(`action ${a.id}: projected from event ${a.projected_seq}, but it has no audit events`);
    else if (Number(a.last_seq) !== Number(a.projected_seq))
      problems.push(
        `action ${a.id}: projected from event ${a.projected_seq}, but its newest audit event is ${a.last_seq} (events deleted?)`,
      );
    else if (a.last_status !== a.status)
      problems.push(`action ${a.id}: status ${a.status}, but its newest audit event says ${a.last_status}`);
  }

  const evidenceRows = rowsOf<{
    id: string;
    statement: string;
    links: unknown;
    files: { filename: string; sha256: string }[];
    attested: Record<string, unknown> | null;
    legacy: boolean;
  }>(
    await db.execute(sql`
      with attested as (
        select payload->'attests'->'evidence' as a from audit_events where type = 'evidence_submitted' and payload->'attests' ? 'evidence'
      )
      select ev.id, ev.statement, ev.links,
        coalesce((select json_agg(json_build_object('filename', t.filename, 'sha256', t.sha256)) from attachments t where t.evidence_id = ev.id), '[]') as files,
        (select a from attested where a->>'id' = ev.id::text limit 1) as attested,
        exists (select 1 from audit_events e where e.type = 'evidence_submitted' and e.payload->>'evidenceId' = ev.id::text) as legacy
      from evidence ev`),
  );
  for (const r of evidenceRows) {
    if (!r.attested) {
      if (r.legacy) unattested += 1;
      else problems.push(`evidence ${r.id}: no audit event records it`);
      continue;
    }
    checked += 1;
    const files = (r.attested.attachments ?? []) as { filename: string; sha256: string }[];
    if (r.statement !== r.attested.statement)
      problems.push(`evidence ${r.id}: the statement differs from the one its audit event records`);
    if (!same(r.links, r.attested.links))
      problems.push(`evidence ${r.id}: the links differ from those its audit event records`);
    if (!same(sortedFiles(r.files), sortedFiles(files)))
      problems.push(`evidence ${r.id}: the attachments (names or sha256) differ from those its audit event records`);
  }

  const decisionRows = rowsOf<{
    id: string;
    outcome: string;
    comment: string;
    evidence_id: string | null;
    attested: Record<string, unknown> | null;
  }>(
    await db.execute(sql`
      with attested as (select payload->'attests'->'decision' as a from audit_events where type = 'decided' and payload->'attests' ? 'decision')
      select d.id, d.outcome, d.comment, d.evidence_id, (select a from attested where a->>'id' = d.id::text limit 1) as attested
      from decisions d`),
  );
  for (const d of decisionRows) {
    if (!d.attested) {
      unattested += 1;
      continue;
    }
    checked += 1;
    if (
      d.outcome !== d.attested.outcome ||
      d.comment !== d.attested.comment ||
      (d.evidence_id ?? null) !== (d.attested.evidenceId ?? null)
    ) {
      problems.push(`decision ${d.id}: outcome, comment or evidence differ from what its audit event records`);
    }
  }

  const extensionRows = rowsOf<{
    id: string;
    reason: string;
    interim_measures: string;
    new_due_date: string;
    previous_due_date: string;
    status: string;
    decision_comment: string | null;
    requested: Record<string, unknown> | null;
    decided: Record<string, unknown> | null;
  }>(
    await db.execute(sql`
      with requested as (select payload->'attests'->'extension' as a from audit_events where type = 'extension_requested' and payload->'attests' ? 'extension'),
           decided as (select payload->'attests'->'extensionDecision' as a from audit_events where type in ('extension_decided', 'extension_withdrawn') and payload->'attests' ? 'extensionDecision')
      select x.id, x.reason, x.interim_measures, x.new_due_date, x.previous_due_date, x.status, x.decision_comment,
        (select a from requested where a->>'id' = x.id::text limit 1) as requested,
        (select a from decided where a->>'id' = x.id::text limit 1) as decided
      from extension_requests x`),
  );
  for (const x of extensionRows) {
    if (!x.requested) {
      unattested += 1;
      continue;
    }
    checked += 1;
    const q = x.requested;
    if (
      x.reason !== q.reason ||
      x.interim_measures !== q.interimMeasures ||
      iso(x.new_due_date) !== iso(q.newDueDate) ||
      iso(x.previous_due_date) !== iso(q.previousDueDate)
    ) {
      problems.push(
        `extension request ${x.id}: reason, interim measures or dates differ from what its audit event records`,
      );
    }
    const decidedStatus = x.decided ? String(x.decided.status) : 'pending';
    if (x.status !== decidedStatus || (x.decided && (x.decision_comment ?? null) !== (x.decided.comment ?? null))) {
      problems.push(
        `extension request ${x.id}: status ${x.status} or its comment differ from what the audit events record (${decidedStatus})`,
      );
    }
  }

  // Rows deleted outright: signed events whose rows are gone.
  const orphans = rowsOf<{ kind: string; id: string }>(
    await db.execute(sql`
      select 'evidence' as kind, payload->'attests'->'evidence'->>'id' as id from audit_events e
        where payload->'attests' ? 'evidence' and not exists (select 1 from evidence v where v.id::text = e.payload->'attests'->'evidence'->>'id')
      union all
      select 'decision', payload->'attests'->'decision'->>'id' from audit_events e
        where payload->'attests' ? 'decision' and not exists (select 1 from decisions d where d.id::text = e.payload->'attests'->'decision'->>'id')
      union all
      select 'extension request', payload->'attests'->'extension'->>'id' from audit_events e
        where payload->'attests' ? 'extension' and not exists (select 1 from extension_requests x where x.id::text = e.payload->'attests'->'extension'->>'id')`),
  );
  for (const o of orphans) problems.push(`${o.kind} ${o.id}: its audit event exists but the row is gone`);
  // A recommendation's status is the one its newest completion or reopening event records (open if none).
  const recommendationRows = rowsOf<{ id: string; status: string; last_status: string | null }>(
    await db.execute(sql`
      select r.id, r.status, (
        select e.payload->>'status' from audit_events e
        where e.type in ('recommendation_completed', 'recommendation_reopened')
          and e.payload->>'recommendationId' = r.id::text
        order by e.id desc limit 1
      ) as last_status
      from recommendations r`),
  );
  for (const r of recommendationRows) {
    checked += 1;
    if (r.status !== (r.last_status ?? 'open'))
      problems.push(
        `recommendation ${r.id}: status ${r.status}, but its newest audit event says ${r.last_status ?? 'nothing (open)'}`,
      );
  }
  return { problems, checked, unattested };
}
