/**
 * A filled-in progress sheet, applied (docs/ARCHITECTURE.md, The progress sheet).
 *
 * Every row is checked before anything is sent: its shape (as POST /actions/:id/updates checks a
 * body), that the action is in this review and the caller's (an agency's own; the board may upload
 * a sheet an agency sent it), that it has not changed since the export (the version column), and
 * that its stage takes a progress update. Any problem: nothing is sent, and every problem comes back
 * by row and column. Then each row goes to its action's workflow as a progress update through the
 * same use-case as the action page's (postProgress), so the workflow decides and projects it as for
 * any update: the agency's current position, no stage change, nothing asked of the board. The board
 * uploading sends each with `forAgency`: recorded as the board member's act, for the agency.
 *
 * Several workflows cannot commit together. If one refuses a row in the moment between the check
 * and the send (someone acted on it meanwhile), the rows before it stay sent and the answer says
 * which; each row's update id and workflow Update id are derived from the action, the version and
 * what the row says, so the same file uploaded again (by the agency or the board) sends the rest
 * and never a row twice.
 */
import { createHash } from 'node:crypto';
import { formatDay } from '../../lib/board-time';
import { AppError, type FieldIssue } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import type { UploadedFile } from '../http/uploads';
import { headerOf, type SheetColumnKey } from '../import/progress-sheet-template';
import { sheetToUpdates, type SheetUpdate } from '../import/progress-sheet-rows';
import { readSheet } from '../import/read';
import {
  eventsSince,
  progressSheetActions,
  recordedProgressUpdates,
  type SheetAction,
} from '../queries/progress-sheet';
import { scopeOf } from '../queries/scope';
import { postProgress } from './assurance';
import type { LifecycleDeps } from './lifecycle-deps';

/**
 * Events after which an update written on the exported row still says what it meant: mail the
 * engine sent by itself, the agency's own acknowledgement, and other progress updates (the newest
 * update is the agency's position: one written on the sheet after another is simply newer).
 */
const NOT_A_CHANGE = new Set([
  'reminder_sent',
  'overdue_reminder_sent',
  'escalation_raised',
  'acknowledged',
  'progress_updated',
]);

const CHANGE_WORDS: Record<string, string> = {
  assigned: 'it was assigned',
  evidence_submitted: 'a statement was sent to the board',
  decided: 'the board decided on it',
  extension_requested: 'an extension was asked for',
  extension_decided: 'an extension was decided',
  cancelled: 'it was cancelled',
  reassigned: 'it moved to another agency',
};

/** Who uploads a sheet: an agency its own rows, the board a sheet an agency sent it; an administrator does not act for an agency. */
export const SHEET_UPLOADERS = ['agency', 'board'] as const;
export const mayUploadSheet = (role: string): boolean => (SHEET_UPLOADERS as readonly string[]).includes(role);

/** The stages a progress update is taken in (the workflow's checkPostProgress says the same). */
const TAKES_UPDATES = new Set(['in_progress', 'under_review']);

const STAGE_REFUSAL: Record<string, string> = {
  assigned: 'has not been acknowledged yet: acknowledge it on its page, then upload the sheet again',
  closed: 'is closed: nothing more can be sent',
  cancelled: 'is cancelled: nothing more can be sent',
};

export interface SheetRowResult {
  row: number;
  actionId: string;
  reference: string;
  agencyCode: string;
  /** The progress update the row became. */
  updateId: string;
  /** Deprecated: the same id as `updateId` (named when a row became a statement to the board). */
  evidenceId: string;
}

export interface ProgressSheetResult {
  reviewId: string;
  /** Rows sent now, in sheet order. */
  sent: SheetRowResult[];
  /** Rows an earlier upload of the same words already sent: not sent twice. */
  alreadySent: SheetRowResult[];
  /** Rows without a progress update. */
  blankRows: number;
}

/**
 * A UUID (version 8, RFC 9562) from the action, the version and what the row says: the same row
 * uploaded again, by the agency or by the board for it, is the same update and is not sent twice.
 */
export function sheetUpdateId(
  u: Pick<SheetUpdate, 'actionId' | 'version' | 'statement' | 'percentComplete' | 'rag' | 'ragReason'>,
) {
  const h = createHash('sha256')
    .update(
      [
        'progress-sheet-update',
        u.actionId,
        String(u.version),
        u.statement,
        u.percentComplete === undefined ? '' : String(u.percentComplete),
        u.rag ?? '',
        u.rag ? (u.ragReason ?? '') : '',
      ].join('\u0000'),
    )
    .digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function applyProgressSheet(
  deps: LifecycleDeps,
  actor: Actor,
  reviewId: string,
  files: UploadedFile[],
): Promise<ProgressSheetResult> {
  if (!mayUploadSheet(actor.role))
    throw new AppError('forbidden', "Only an agency, or the board for an agency, sends a sheet's progress updates");
  if (files.length !== 1)
    throw new AppError('validation', 'Attach exactly one .xlsx (or .csv) file in the field "file"', [
      { path: 'body.file', message: 'required' },
    ]);
  const review = await progressSheetActions(deps.db, scopeOf(actor), reviewId);
  if (!review) throw new AppError('not_found', 'No such review');
  const sheet = await readSheet(files[0]);
  const { updates, errors } = sheetToUpdates(sheet);
  if (errors.length)
    throw new AppError('validation', `The progress sheet has ${errors.length} problem(s); nothing was sent`, errors);

  const mine = new Map(review.actions.map((a) => [a.id, a]));
  const withIds = updates.map((u) => ({ ...u, updateId: sheetUpdateId(u) }));
  const recorded = await recordedProgressUpdates(
    deps.db,
    withIds.map((u) => u.updateId),
  );
  const result = (u: (typeof withIds)[number], a: SheetAction): SheetRowResult => ({
    row: u.row,
    actionId: a.id,
    reference: a.reference,
    agencyCode: a.agencyCode,
    updateId: u.updateId,
    evidenceId: u.updateId,
  });
  const problems: FieldIssue[] = [];
  let conflicts = 0;
  const fail = (u: SheetUpdate, key: SheetColumnKey, message: string, conflict = false) => {
    problems.push({ path: `rows.${u.row}.${key}`, row: u.row, column: headerOf(key), message });
    if (conflict) conflicts++;
  };
  // What happened since each out-of-date row's version, for every such row at once.
  const changesSince = await eventsSince(
    deps.db,
    withIds.flatMap((u) => {
      const a = mine.get(u.actionId);
      return a && u.version < a.version ? [{ actionId: a.id, version: u.version }] : [];
    }),
  );
  const toSend: (typeof withIds)[number][] = [];
  const alreadySent: SheetRowResult[] = [];
  for (const u of withIds) {
    const a = mine.get(u.actionId);
    // Another agency's action reads exactly like an unknown one.
    if (!a || (actor.role === 'agency' && a.agencyId !== actor.agencyId)) {
      fail(
        u,
        'actionId',
        actor.role === 'agency'
          ? 'not an action of your agency in this review: an agency may only update its own rows'
          : 'not an action of this review',
      );
      continue;
    }
    if (recorded.has(u.updateId)) {
      alreadySent.push(result(u, a));
      continue;
    }
    const stale = staleness(a, u.version, changesSince.get(a.id) ?? []);
    if (stale) {
      fail(u, 'version', `action ${a.reference} ${stale}; download the sheet again and copy this update into it`, true);
      continue;
    }
    if (!TAKES_UPDATES.has(a.status)) {
      fail(u, 'status', `action ${a.reference} ${STAGE_REFUSAL[a.status] ?? `is ${a.status}`}`, true);
      continue;
    }
    toSend.push(u);
  }
  if (problems.length)
    throw new AppError(
      problems.length === conflicts ? 'conflict' : 'validation',
      `The progress sheet has ${problems.length} problem(s); nothing was sent`,
      problems,
    );

  const sent: SheetRowResult[] = [];
  for (const u of toSend) {
    const a = mine.get(u.actionId)!;
    try {
      await postProgress(
        { ...deps, updateId: `progress-sheet:${u.updateId}` },
        actor,
        a.id,
        { statement: u.statement, percentComplete: u.percentComplete, rag: u.rag, ragReason: u.ragReason },
        [],
        { updateId: u.updateId, forAgency: actor.role !== 'agency' },
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const before = sent.length
        ? `rows ${sent.map((s) => s.row).join(', ')} were sent before it and stay sent`
        : 'nothing was sent';
      throw new AppError(
        err.kind,
        `Row ${u.row} (action ${a.reference}) was refused as it was sent: ${err.message}. The other rows were checked and ` +
          `${before}; upload the same file again to send the rest (a row already sent is not sent twice).`,
        [
          {
            path: `rows.${u.row}.progressUpdate`,
            row: u.row,
            column: headerOf('progressUpdate'),
            message: err.message,
          },
        ],
        err.retryAfter,
      );
    }
    sent.push(result(u, a));
  }
  return { reviewId: review.id, sent, alreadySent, blankRows: sheet.rows.length - updates.length };
}

/** Why the row's version is out of date, or null when nothing that matters happened since. */
function staleness(a: SheetAction, version: number, since: { type: string; occurredAt: Date }[]): string | null {
  if (version === a.version) return null;
  if (version > a.version) return `has never had version ${version} (it is at ${a.version})`;
  const changes = since.filter((e) => !NOT_A_CHANGE.has(e.type));
  if (!changes.length) return null;
  const last = changes[changes.length - 1];
  const what = [...new Set(changes.map((e) => CHANGE_WORDS[e.type] ?? e.type.replace(/_/g, ' ')))].join(', ');
  return `has changed since this sheet was exported (version ${version}, now ${a.version}: ${what}; last on ${formatDay(last.occurredAt)})`;
}
