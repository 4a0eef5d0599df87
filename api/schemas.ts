import { RESULTS } from '../domain/words';
import { normaliseLink } from '../domain/text';
import { isHhMm, isIsoDate } from '../workflows/calendar';
import { normaliseDuration } from '../workflows/duration';
import { isImpactPeriod } from '../workflows/assurance';
import {
  ACTION_STATUSES,
  ASSURANCE_STATES,
  DATE_YEARS,
  dateYearProblem,
  IMPACT_METHODS,
  IMPACT_OUTCOMES,
  CHAIR_STEPS,
  CHALLENGE_TARGETS,
  ESCALATION_RESOLUTIONS,
  DECISION_OUTCOMES,
  ESCALATION_REASONS,
  EXTENSION_OUTCOMES,
  INSPECTOR_MAX_DAYS,
  OUTCOMES,
  RAGS,
  REVIEW_TYPES,
  ROLES,
} from '../domain/vocabulary';
import { DELIVERIES, DIGESTIBLE_KINDS, NOTIFICATION_KINDS } from '../db/schema';
import { z } from './http/zod';

/**
 * Request and response schemas of the HTTP API (docs/ARCHITECTURE.md, Where each rule lives). Requests are strict: an
 * unknown field is a 400, so a misspelt optional field is never silently ignored.
 */

/** Required text; `required` says what is missing in words a person filling a form can act on. */
const text = (max: number, required = 'required') =>
  z.string().trim().min(1, required).max(max, `at most ${max} characters`);
const optionalText = (max: number) => z.string().trim().max(max, `at most ${max} characters`).optional();

/** A date or instant in the years the system takes (DATE_YEARS): 9999-12-31 is a clear 400, not a 500. */
const IN_DATE_YEARS = z.superRefine((value: string, ctx) => {
  const problem = dateYearProblem(value);
  // Aborts like a failed format: a refinement of the enclosing object must not see the unchecked value.
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value, continue: false });
});

/** A calendar date or an instant with an offset; a date alone means the end of that day is not assumed by the API (the lifecycle decides). */
export const DateOrInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .check(IN_DATE_YEARS)
  .openapi({
    description: `YYYY-MM-DD or an ISO-8601 instant with offset, in the years ${DATE_YEARS.first} to ${DATE_YEARS.last}`,
    example: '2026-09-30',
  });

/**
 * A calendar day (`YYYY-MM-DD`) the board calendar can place: a real date (not 2026-02-30), in the
 * years the system takes. Not z.iso.date(): the calendar cannot place years 0000-0099, and a day it
 * cannot place threw in startOfLocalDay, a 500.
 */
export const Day = z
  .string()
  .refine(isIsoDate, { message: 'expected a calendar date as YYYY-MM-DD', abort: true })
  .check(IN_DATE_YEARS)
  .openapi({ example: '2027-01-31' });

export const Duration = z
  .union([
    z
      .string()
      .max(40)
      .refine(
        (v) => normaliseDuration(v) !== null,
        'expected an ISO-8601 duration in weeks, days, hours, minutes or seconds (P7D, PT2S), or "n working days"',
      ),
    z.strictObject({
      workingDays: z
        .number()
        .int('workingDays must be a whole number')
        .positive('workingDays must be at least 1')
        .max(999),
    }),
  ])
  .openapi({
    description:
      'Calendar time as ISO 8601 (`P7D`, `PT2S`), or working days of the board calendar: `{ "workingDays": 5 }` or `"5 working days"` (weekends and England and Wales bank holidays skipped)',
    example: 'P7D',
  });

export const PolicyInput = z
  .strictObject({
    acknowledgeWithin: Duration.optional(),
    remindBefore: z.array(Duration).max(10).optional(),
    overdueReminderEvery: Duration.optional(),
    escalateAfterOverdue: z.array(Duration).min(1).max(3).optional(),
    stallAfter: Duration.optional(),
    boardDecisionWithin: Duration.optional(),
    deliverAt: z
      .string()
      .refine(isHhMm, 'expected a time of day as HH:MM (24-hour), for example 09:00')
      .nullable()
      .optional()
      .openapi({
        description:
          'Reminders, overdue notices and escalations go at this time (board time zone) on the next working day; null sends them at the computed instant',
        example: '09:00',
      }),
    impactCheckAfter: z
      .string()
      .max(40)
      .refine(isImpactPeriod, 'expected an ISO-8601 period such as P6M, P1Y or P90D')
      .nullable()
      .optional()
      .openapi({
        description:
          'How long after approval the owning agency is asked for evidence of impact (months allowed). Null or absent in an explicit policy: no impact check. Without a policy: P6M.',
        example: 'P6M',
      }),
  })
  .openapi('PolicyInput', {
    description:
      'Omitted entirely: acknowledge within 5 working days, board decision within 10 working days, mail at 09:00 on working days. ' +
      'Given but naming neither working days nor deliverAt: the missing fields take the calendar-day defaults (P5D, P14D, no window).',
  });

export const IdParams = z.strictObject({ id: z.guid() });
/** Issue 22: one submission of evidence on an action. */
export const EvidenceParams = z.strictObject({ id: z.guid(), eid: z.guid() });
export const ExtensionParams = z.strictObject({ id: z.guid(), rid: z.guid() });
export const AttachmentParams = z.strictObject({ id: z.guid(), attachmentId: z.guid() });
/** Issue 17: a file of a progress update or of impact evidence, named by its content within its parent. */
export const AssuranceAttachmentParams = z.strictObject({
  id: z.guid(),
  parentId: z.guid(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'the sha256 of the file, 64 lower-case hex digits')
    .openapi({ description: "the file's sha256, as in the attachment's id" }),
});

export const AgencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, - and _, at most 32')
  .transform((s) => s.toUpperCase())
  .openapi({ example: 'BCC' });

export const CreateAgencyBody = z
  .strictObject({
    code: AgencyCode,
    name: text(200),
    leadEmail: z.email(),
    seniorEmail: z.email().optional(),
  })
  .openapi('CreateAgency');

export const Agency = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    leadEmail: z.string(),
    seniorEmail: z.string().nullable(),
  })
  .openapi('Agency');

export const CreateUserBody = z
  .strictObject({
    name: text(200),
    email: z.email(),
    role: z.enum(ROLES),
    agencyCode: AgencyCode.optional(),
    expiresOn: Day.optional().openapi({
      description: `Inspectors only, and required for them: the last day of their access (today to ${INSPECTOR_MAX_DAYS} days ahead); it ends at midnight that day in the board's zone`,
      example: '2026-09-30',
    }),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'agency' && !v.agencyCode)
      ctx.addIssue({ code: 'custom', path: ['agencyCode'], message: 'required for an agency user' });
    if (v.role === 'admin' && v.agencyCode)
      ctx.addIssue({ code: 'custom', path: ['agencyCode'], message: 'an admin belongs to no agency' });
    // Issue 20: the chair and inspectors are independent of every agency; an inspector's access has an end.
    if ((v.role === 'chair' || v.role === 'inspector') && v.agencyCode)
      ctx.addIssue({ code: 'custom', path: ['agencyCode'], message: `a ${v.role} belongs to no agency` });
    if (v.role === 'inspector' && !v.expiresOn)
      ctx.addIssue({ code: 'custom', path: ['expiresOn'], message: 'required for an inspector' });
    if (v.role !== 'inspector' && v.expiresOn)
      ctx.addIssue({ code: 'custom', path: ['expiresOn'], message: 'only an inspector’s access has an expiry date' });
  })
  .openapi('CreateUser');

export const User = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    agencyCode: z.string().nullable(),
    accessExpiresAt: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'Inspectors: the instant their access ends' }),
  })
  .openapi('User');

export const CreatedUser = z
  .object({
    user: User,
    token: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
    tokenId: z.string().optional().openapi({ description: 'Names the token for DELETE /api/v1/tokens/{id}' }),
    tokenExpiresAt: z
      .string()
      .optional()
      .openapi({ description: 'When the token stops working (API_TOKEN_TTL_DAYS after issue)' }),
  })
  .openapi('CreatedUser');

export const IssuedToken = z
  .object({
    token: z
      .string()
      .openapi({ description: 'The new bearer token, shown once; the one the request carried no longer works' }),
    id: z.string().openapi({ description: 'Names the token for DELETE /api/v1/tokens/{id}' }),
    expiresAt: z.string().openapi({ description: 'When the new token stops working' }),
  })
  .openapi('IssuedToken');

export const DeactivatedUser = z
  .object({ id: z.string(), email: z.string(), deactivatedAt: z.string() })
  .openapi('DeactivatedUser');

export const ThemeCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a theme code: lower-case letters, digits and -, at most 40')
  .openapi({ example: 'thresholds' });
const ThemeList = z.array(ThemeCode).max(20).optional();
export const ReviewTypeName = z
  .enum(REVIEW_TYPES)
  .openapi({ description: 'cspr, lcspr, scr, sar, dhr, audit or other' });

export const ActionInput = z
  .strictObject({
    agencyCode: AgencyCode,
    themes: ThemeList.describe("theme codes from GET /themes, added to the recommendation's"),
    title: text(2000),
    description: optionalText(10000),
    successMeasure: optionalText(4000),
    impactMeasure: optionalText(4000).describe(
      'what the impact check after approval measures (default: the success measure)',
    ),
    impactCheck: z
      .boolean()
      .optional()
      .describe('false: the board wants no impact check after approval for this action'),
    dueDate: DateOrInstant,
  })
  .openapi('ActionInput');

export const RecommendationInput = z
  .strictObject({
    number: z
      .string()
      .trim()
      .regex(/^\d{1,3}(\.\d{1,3})?$/, 'expected a number such as 3 or 3.1'),
    text: text(10000),
    themes: ThemeList.describe('theme codes from GET /themes; every action of the recommendation carries them'),
    actions: z.array(ActionInput).min(1).max(100),
  })
  .openapi('RecommendationInput');

export const ReviewReference = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/, 'letters, digits, space . _ / -, at most 64')
  .openapi({ example: 'SCR-BABY-M' });

export const CreateReviewBody = z
  .strictObject({
    reference: ReviewReference,
    title: text(500),
    type: ReviewTypeName.optional().describe(
      "the kind of review (default other); without a policy, the review gets its type's default policy",
    ),
    publishedOn: Day.optional(),
    policy: PolicyInput.optional(),
    recommendations: z.array(RecommendationInput).min(1).max(200),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.recommendations.forEach((r, i) => {
      if (seen.has(r.number))
        ctx.addIssue({
          code: 'custom',
          path: ['recommendations', i, 'number'],
          message: `recommendation ${r.number} appears twice`,
        });
      seen.add(r.number);
    });
  })
  .openapi('CreateReview');

/** Multipart text fields of an import; the file itself is checked apart. */
export const ImportFields = z
  .strictObject({
    reference: ReviewReference,
    title: text(500),
    type: ReviewTypeName.optional(),
    publishedOn: Day.optional(),
    policy: z
      .string()
      .max(4000)
      .optional()
      .transform((s, ctx) => {
        if (s === undefined || s.trim() === '') return undefined;
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'policy must be a JSON object' });
          return z.NEVER;
        }
      })
      .pipe(PolicyInput.optional()),
    // Issue 22: one mail per agency for the whole import (default), or one per action as before.
    assignmentMail: z.enum(['summary', 'each']).optional(),
  })
  .openapi('ImportFields');

export const ImportForm = z
  .object({
    file: z.any().openapi({ type: 'string', format: 'binary', description: '.csv or .xlsx, one row per action' }),
    reference: z.string(),
    title: z.string(),
    type: z
      .string()
      .optional()
      .openapi({ description: 'cspr, lcspr, scr, sar, dhr, audit or other (or a Review type column in the file)' }),
    publishedOn: z.string().optional(),
    policy: z.string().optional().openapi({ description: 'JSON object, as PolicyInput' }),
    assignmentMail: z.enum(['summary', 'each']).optional().openapi({
      description:
        'summary (default): each agency receives one mail for all its new actions, with a calendar entry per action; each: one assignment mail per action',
    }),
  })
  .openapi('ImportForm');

/**
 * Issue 22: what an import would do, before anything is created (POST /reviews/import/check and
 * the "check before importing" page): actions per agency, the first and last due dates, and the
 * one mail each agency will receive, to whom.
 */
export const ImportCheck = z
  .object({
    reference: z.string(),
    title: z.string(),
    type: z.enum(REVIEW_TYPES),
    publishedOn: z.string().nullable(),
    recommendations: z.number().int(),
    actions: z.number().int(),
    firstDueOn: z.string().openapi({ description: 'the earliest due date, a local day (2027-01-31)' }),
    lastDueOn: z.string().openapi({ description: 'the latest due date, a local day' }),
    mails: z.number().int().openapi({ description: 'how many assignment mails the import sends: one per agency' }),
    agencies: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        actions: z.number().int(),
        references: z.array(z.string()),
        firstDueOn: z.string(),
        lastDueOn: z.string(),
        mailTo: z.array(z.string()),
        mailCc: z.array(z.string()),
      }),
    ),
  })
  .openapi('ImportCheck');

/** An uploaded progress sheet: the file only (multipart field `file`). */
export const ProgressSheetFields = z.strictObject({}).openapi('ProgressSheetFields');

export const ProgressSheetForm = z
  .object({
    file: z.any().openapi({
      type: 'string',
      format: 'binary',
      description:
        'the .xlsx from GET /reviews/:id/progress-sheet with the Progress update column filled in (or the same columns as .csv)',
    }),
  })
  .openapi('ProgressSheetForm');

const SheetRowResult = z.object({
  row: z.number().int().openapi({ description: 'the row as the spreadsheet numbers it (headings are row 1)' }),
  actionId: z.guid(),
  reference: z.string(),
  agencyCode: z.string().openapi({ description: "the action's agency (the board may upload rows of any agency)" }),
  updateId: z.guid().openapi({ description: 'the progress update the row became (POST /actions/:id/updates)' }),
  evidenceId: z.guid().openapi({
    deprecated: true,
    description:
      'the same id as updateId: kept for clients written when a row became a progress statement to the board',
  }),
});

export const ProgressSheetResult = z
  .object({
    reviewId: z.guid(),
    sent: z.array(SheetRowResult).openapi({ description: 'rows sent to their actions now, in sheet order' }),
    alreadySent: z
      .array(SheetRowResult)
      .openapi({ description: 'rows an earlier upload of the same words already sent (not sent twice)' }),
    blankRows: z.number().int().openapi({ description: 'rows without a progress update (skipped)' }),
  })
  .openapi('ProgressSheetResult');

/** Issue 22: a search of the action list, as typed in the list page's search box or `?q=`. */
export const SearchText = z
  .string()
  .trim()
  .min(1, 'type something to search for, or leave q out')
  .max(200, 'search for at most 200 characters')
  .refine((v) => v.split(/\s+/).length <= 10, 'search for at most 10 words');

const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ActionListQuery = z
  .strictObject({
    status: z.enum(ACTION_STATUSES).optional(),
    agency: AgencyCode.optional(),
    review: z.guid().optional(),
    type: ReviewTypeName.optional(),
    theme: ThemeCode.optional(),
    rag: z.enum(RAGS).optional(),
    overdue: boolQuery.optional(),
    assurance: z.enum(ASSURANCE_STATES).optional(),
    owner: z
      .union([z.literal('me'), z.guid()])
      .optional()
      .openapi({ description: "the named owner's user id, or `me` for the caller's own actions" }),
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
    result: z
      .enum(RESULTS)
      .optional()
      .openapi({ description: 'How a finished action ended: implemented, not_implemented or cancelled' }),
    q: SearchText.optional().openapi({
      description:
        'Text search: every word (at most 10) must appear, ignoring case, in the reference (`2.1`, `SCR-BABY-M 2.1`), the title, or a statement sent on the action (evidence or progress update)',
    }),
  })
  .openapi('ActionListQuery');

export const ReportQuery = z.strictObject({
  format: z.enum(['html', 'md', 'csv', 'json', 'docx', 'pdf', 'xlsx']).default('json'),
});

export const ActionOwner = z.object({ id: z.string(), name: z.string(), email: z.string() }).openapi('ActionOwner');

export const Action = z
  .object({
    id: z.string(),
    reference: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    successMeasure: z.string().nullable(),
    agencyCode: z.string(),
    agencyName: z.string(),
    reviewId: z.string(),
    reviewReference: z.string(),
    recommendationId: z.string(),
    recommendationNumber: z.string(),
    status: z.enum(ACTION_STATUSES),
    outcome: z.enum(OUTCOMES).nullable(),
    rag: z.enum(RAGS),
    dueDate: z.string().openapi({
      description: 'ISO instant; a due date given as a date is the last moment of that day in the board time zone',
    }),
    dueOn: z.string().openapi({ description: 'The due date as a local day in BOARD_TIME_ZONE', example: '2027-01-31' }),
    escalationLevel: z.number().int().min(0).max(3),
    changesRequested: z.boolean(),
    acknowledgedAt: z.string().nullable(),
    lastActivityAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    nextTimerAt: z.string().nullable(),
    themes: z
      .array(z.string())
      .openapi({ description: "theme codes (GET /themes): the recommendation's and the action's own" }),
    originalDueDate: z
      .string()
      .openapi({ description: 'The first due date (equal to dueDate until an extension moves it)' }),
    originalDueOn: z.string().openapi({ description: 'originalDueDate as a local day in BOARD_TIME_ZONE' }),
    extensionCount: z.number().int().min(0).openapi({ description: 'Approved extensions' }),
    daysSlipped: z
      .number()
      .int()
      .min(0)
      .openapi({ description: 'Days between the original and the current due date (local days)' }),
    impactMeasure: z
      .string()
      .nullable()
      .openapi({ description: 'What the impact check measures (null: the success measure)' }),
    assurance: z
      .enum(ASSURANCE_STATES)
      .nullable()
      .openapi({ description: 'The impact check after closure; null when none applies' }),
    impactCheckAt: z.string().nullable(),
    impactCheckOn: z.string().nullable().openapi({ description: 'The impact check date as a local day' }),
    followUpOf: z.string().nullable().openapi({ description: 'The action whose impact was not embedded' }),
    followUpActionId: z.string().nullable().openapi({ description: 'The follow-up a "not embedded" decision created' }),
    owner: ActionOwner.nullable().openapi({
      description: 'the named owner (a user of the owning agency); null: the agency as a whole',
    }),
  })
  .openapi('Action');

export const ActionPage = z
  .object({ items: z.array(Action), page: z.number(), pageSize: z.number(), total: z.number() })
  .openapi('ActionPage');

export const AttachmentOut = z
  .object({
    id: z.string(),
    filename: z.string(),
    mediaType: z.string(),
    size: z.number(),
    sha256: z.string(),
    url: z.string(),
  })
  .openapi('Attachment');

function ProgressUpdateOut() {
  return z.object({
    id: z.string(),
    statement: z.string(),
    percentComplete: z.number().nullable(),
    rag: z.enum(RAGS).nullable(),
    ragReason: z.string().nullable(),
    submittedAt: z.string(),
    submittedByName: z.string().nullable(),
    attachments: z.array(AttachmentOut),
  });
}

export const ActionDetail = Action.extend({
  liveStage: z
    .string()
    .nullable()
    .openapi({ description: "The workflow's own view of the stage (null if it could not be asked)" }),
  evidence: z.array(
    z.object({
      id: z.string(),
      statement: z.string(),
      links: z.array(z.string()),
      status: z.string(),
      submittedAt: z.string(),
      submittedByName: z.string().nullable(),
      attachments: z.array(AttachmentOut),
    }),
  ),
  decisions: z.array(
    z.object({
      id: z.string(),
      outcome: z.enum(DECISION_OUTCOMES),
      comment: z.string(),
      decidedAt: z.string(),
      decidedByName: z.string().nullable(),
    }),
  ),
  extensionRequests: z.array(
    z.object({
      id: z.string(),
      previousDueDate: z.string(),
      newDueDate: z.string(),
      reason: z.string(),
      interimMeasures: z.string(),
      status: z.string(),
      requestedAt: z.string(),
      decisionComment: z.string().nullable(),
    }),
  ),
  escalations: z.array(
    z.object({
      id: z.string(),
      level: z.number(),
      reason: z.enum(ESCALATION_REASONS),
      raisedAt: z.string(),
      resolvedAt: z.string().nullable(),
      notified: z.array(z.string()),
    }),
  ),
  progressUpdates: z.array(ProgressUpdateOut()),
  impactEvidence: z.array(
    z.object({
      id: z.string(),
      statement: z.string(),
      method: z.enum(IMPACT_METHODS),
      links: z.array(z.string()),
      submittedAt: z.string(),
      submittedByName: z.string().nullable(),
      attachments: z.array(AttachmentOut),
    }),
  ),
  impactDecisions: z.array(
    z.object({
      id: z.string(),
      outcome: z.enum(IMPACT_OUTCOMES),
      comment: z.string(),
      followUpActionId: z.string().nullable(),
      decidedAt: z.string(),
      decidedByName: z.string().nullable(),
    }),
  ),
  notifications: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      recipient: z.string(),
      subject: z.string(),
      status: z.string(),
      createdAt: z.string(),
      sentAt: z.string().nullable(),
    }),
  ),
}).openapi('ActionDetail');

export const Review = z
  .object({
    id: z.string(),
    reference: z.string(),
    title: z.string(),
    type: z.enum(REVIEW_TYPES),
    publishedOn: z.string().nullable(),
    status: z.string(),
    policy: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    recommendations: z.array(
      z.object({
        id: z.string(),
        number: z.string(),
        text: z.string(),
        status: z.string(),
        themes: z.array(z.string()),
        actions: z.array(Action),
      }),
    ),
  })
  .openapi('Review');

export const ReviewSummary = z
  .object({
    id: z.string(),
    reference: z.string(),
    title: z.string(),
    type: z.enum(REVIEW_TYPES),
    publishedOn: z.string().nullable(),
    status: z.string(),
    actionCount: z.number(),
    finishedCount: z.number().openapi({ description: 'Of actionCount, those closed or cancelled' }),
    implementedCount: z.number().optional().openapi({ description: 'Of finishedCount, those closed as implemented' }),
    notImplementedCount: z
      .number()
      .optional()
      .openapi({ description: 'Of finishedCount, those closed as not implemented' }),
    cancelledCount: z.number().optional().openapi({ description: 'Of finishedCount, those cancelled' }),
  })
  .openapi('ReviewSummary');

/**
 * Links beside a statement (evidence, impact evidence): web addresses only, at most 20. Issue 22:
 * one rule for the API and the forms: `https://` is added when no scheme was typed
 * (`normaliseLink`), and anything that is not http(s), or has no host with a dot in it, is refused.
 */
export const LINK_REFUSED =
  'each link must be a web address such as https://www.example.org/report (http and https only)';
const EvidenceLinks = z
  .array(
    z.preprocess(
      normaliseLink,
      z.url({ protocol: /^https?$/, hostname: /^(?:[^.]+\.)+[^.]+$/, error: LINK_REFUSED }).max(2000),
    ),
  )
  .max(20)
  .default([]);

export const EvidenceBody = z
  .strictObject({
    statement: text(20000, 'Write a progress statement: it is what the board reads and what is published'),
    links: EvidenceLinks,
  })
  .openapi('EvidenceBody');

export const EvidenceForm = z
  .object({
    statement: z.string(),
    links: z.array(z.string()).optional().openapi({ description: 'repeat the field for several links' }),
    files: z.array(z.any().openapi({ type: 'string', format: 'binary' })).optional(),
  })
  .openapi('EvidenceForm');

export const DecisionBody = z
  .strictObject({
    outcome: z.enum(DECISION_OUTCOMES, { error: 'Choose a decision' }),
    comment: z.string().trim().max(10000).default(''),
  })
  .superRefine((v, ctx) => {
    if (v.outcome !== 'approve' && v.comment === '')
      ctx.addIssue({
        code: 'custom',
        path: ['comment'],
        message: 'a comment is required unless approving (boards must publish why)',
      });
  })
  .openapi('DecisionBody');

export const ExtensionBody = z
  .strictObject({
    newDueDate: DateOrInstant,
    reason: text(10000, 'Give the reason for the delay'),
    interimMeasures: text(10000, 'Say what protects children until the action is done'),
  })
  .openapi('ExtensionRequestBody');

export const ExtensionDecisionBody = z
  .strictObject({
    outcome: z.enum(EXTENSION_OUTCOMES, { error: 'Choose approve or refuse' }),
    comment: optionalText(10000),
  })
  .openapi('ExtensionDecisionBody');

export const CancelBody = z
  .strictObject({
    reason: text(10000, 'Give the reason for cancelling: it is kept on the action and the agency is told'),
  })
  .openapi('CancelBody');
export const EmptyBody = z.strictObject({}).openapi('EmptyBody');

/** Issue 22: the board reopens a closed or cancelled action, with the reason and optionally a new due date. */
export const ReopenBody = z
  .strictObject({
    reason: text(10000, 'Give the reason for reopening: it is kept on the action and the agency is told'),
    newDueDate: DateOrInstant.optional().openapi({
      description: 'The new due date (a day, or an instant); left out, the action keeps its due date',
    }),
  })
  .openapi('ReopenBody');

export const ExtensionCreated = z.object({ requestId: z.string(), action: Action }).openapi('ExtensionCreated');

/** Issue 17: a progress update, not a submission. */
export const ProgressUpdateBody = z
  .strictObject({
    statement: text(10000, "Write a short statement of where the action stands: it is the agency's current position"),
    // A form sends text: a number's text is read as the number, a blank field (or null) as no
    // answer. Not z.coerce, which recorded a blank field or null as 0% and [] or true as 0% or 1%.
    percentComplete: z.preprocess(
      (v) => (v === null ? undefined : typeof v !== 'string' ? v : v.trim() === '' ? undefined : Number(v)),
      z
        .number({ error: 'percentComplete must be a number from 0 to 100' })
        .int('percentComplete must be a whole number')
        .min(0, 'percentComplete must be from 0 to 100')
        .max(100, 'percentComplete must be from 0 to 100')
        .optional(),
    ),
    rag: z.enum(RAGS, { error: `rag must be one of ${RAGS.join(', ')}` }).optional(),
    ragReason: optionalText(2000),
  })
  .superRefine((v, ctx) => {
    if (v.rag && !v.ragReason)
      ctx.addIssue({ code: 'custom', path: ['ragReason'], message: 'say why the action is ' + v.rag });
  })
  .openapi('ProgressUpdateBody');

export const ProgressUpdateCreated = z
  .object({ updateId: z.string(), action: Action })
  .openapi('ProgressUpdateCreated');

export const ImpactEvidenceBody = z
  .strictObject({
    statement: text(20000, 'Say what changed in practice, and how you know'),
    method: z.enum(IMPACT_METHODS, { error: `method must be one of ${IMPACT_METHODS.join(', ')}` }),
    links: EvidenceLinks,
  })
  .openapi('ImpactEvidenceBody');

export const ImpactDecisionBody = z
  .strictObject({
    outcome: z.enum(IMPACT_OUTCOMES, { error: 'Choose what the board found: evidenced, not embedded, or waived' }),
    comment: z.string().trim().max(10000).default(''),
    followUpDueDate: DateOrInstant.optional(),
    followUpTitle: optionalText(2000),
  })
  .superRefine((v, ctx) => {
    if (v.outcome !== 'evidenced' && v.comment === '')
      ctx.addIssue({ code: 'custom', path: ['comment'], message: 'the reason is required' });
    if (v.outcome === 'not_embedded' && !v.followUpDueDate)
      ctx.addIssue({
        code: 'custom',
        path: ['followUpDueDate'],
        message: 'the follow-up action needs a due date',
      });
    if (v.outcome !== 'not_embedded' && (v.followUpDueDate || v.followUpTitle))
      ctx.addIssue({
        code: 'custom',
        path: ['followUpDueDate'],
        message: 'only a not_embedded decision has a follow-up',
      });
  })
  .openapi('ImpactDecisionBody');

export const AuditEvent = z
  .object({
    id: z.number(),
    type: z.string(),
    actor: z.string().nullable(),
    actorName: z.string().nullable(),
    payload: z.unknown(),
    occurredAt: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEvent');

export const Dashboard = z
  .object({
    total: z.number(),
    byStatus: z.record(z.string(), z.number()),
    byRag: z.record(z.string(), z.number()),
    /** How finished actions ended: implemented, not_implemented, cancelled (byRag's "complete" holds all three). */
    byResult: z.record(z.string(), z.number()).optional(),
    byAgency: z.array(
      z.object({
        agencyCode: z.string(),
        agencyName: z.string(),
        total: z.number(),
        open: z.number(),
        overdue: z.number(),
        escalated: z.number(),
        byRag: z.record(z.string(), z.number()),
        byResult: z.record(z.string(), z.number()).optional(),
      }),
    ),
    overdue: z.array(Action),
    awaitingSignOff: z.array(Action),
    openEscalations: z.array(
      z.object({
        id: z.string(),
        actionId: z.string(),
        actionReference: z.string(),
        reviewReference: z.string(),
        agencyCode: z.string(),
        level: z.number(),
        reason: z.string(),
        raisedAt: z.string(),
      }),
    ),
    impact: z
      .object({
        impactEvidenceDue: z
          .number()
          .openapi({ description: 'Closed actions whose agency has been asked for evidence of impact' }),
        impactEvidenceWithBoard: z.number(),
        impactCheckScheduled: z.number(),
        impactEvidenced: z.number(),
        notEmbedded: z
          .number()
          .openapi({ description: 'Impact checks the board found not embedded (each has a follow-up action)' }),
        impactWaived: z.number(),
      })
      .openapi({ description: 'The impact check after closure (issue 17)' }),
    slippage: z.object({
      extendedActions: z.number().openapi({ description: 'Actions with at least one approved extension' }),
    }),
  })
  .openapi('Dashboard');

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    errors: z
      .array(
        z.object({ path: z.string(), message: z.string(), row: z.number().optional(), column: z.string().optional() }),
      )
      .optional(),
  })
  .openapi('Problem');

export const CalendarDayBody = z
  .strictObject({
    date: Day.openapi({ example: '2023-05-08' }),
    title: text(200).openapi({ example: 'Bank holiday for the coronation of King Charles III' }),
    replaces: Day.optional().openapi({
      description:
        'A shipped bank holiday this day replaces (it becomes a working day again), as when VE day moved the early May holiday in 2020',
      example: '2020-05-04',
    }),
  })
  .openapi('CalendarDayBody');

export const BankHoliday = z
  .object({
    date: z.string(),
    title: z.string(),
    origin: z.enum(['shipped', 'added']),
    replaces: z.string().nullable(),
    replacedBy: z
      .string()
      .nullable()
      .openapi({ description: 'Set on a shipped day an added substitute replaced: no longer a holiday' }),
  })
  .openapi('BankHoliday');

export const BoardCalendarOut = z
  .object({
    timeZone: z.string().openapi({ example: 'Europe/London' }),
    division: z.string(),
    source: z.string(),
    compiledOn: z.string(),
    days: z.array(BankHoliday),
  })
  .openapi('BoardCalendar');

// ---- issue 18: owners, cover, mail preferences ----

const DeliveryChoice = z.enum(DELIVERIES);
const KIND_LIST = NOTIFICATION_KINDS.join(', ');

export const SetOwnerBody = z
  .strictObject({
    ownerId: z.guid().nullable().openapi({ description: 'an active user of the owning agency; null clears the owner' }),
  })
  .openapi('SetOwnerBody');

export const CoverBody = z
  .strictObject({
    deputyId: z.guid().openapi({ description: 'an active user of the same agency, not the person away' }),
    from: Day.openapi({ description: 'first day away (board time zone)' }),
    to: Day.openapi({ description: 'last day away, inclusive; the cover ends by itself after it' }),
    copyMe: z.boolean().default(false).openapi({ description: 'the person away still receives a copy' }),
    userId: z.guid().optional().openapi({
      description: "the person away when it is not the caller: the agency's lead may set cover for a member",
    }),
  })
  .refine((b) => !isIsoDate(b.from) || !isIsoDate(b.to) || b.to >= b.from, {
    path: ['to'],
    message: 'the cover ends before it starts',
  })
  .openapi('CoverBody');

export const Cover = z
  .object({
    id: z.string(),
    user: z.object({ id: z.string(), name: z.string() }),
    deputy: z.object({ id: z.string(), name: z.string() }),
    from: z.string(),
    to: z.string(),
    copyMe: z.boolean(),
    setById: z
      .string()
      .nullable()
      .openapi({ description: 'who set it: the person away, their lead or an administrator' }),
  })
  .openapi('Cover');

export const DigestChoices = z
  .object(
    Object.fromEntries(DIGESTIBLE_KINDS.map((k) => [k, DeliveryChoice])) as Record<
      (typeof DIGESTIBLE_KINDS)[number],
      typeof DeliveryChoice
    >,
  )
  .openapi('DigestChoices');

export const Preferences = z
  .object({
    delivery: DigestChoices,
    alwaysImmediate: z.array(z.string()).openapi({ description: 'kinds that are never held for the digest' }),
    covers: z.array(Cover).openapi({
      description: 'cover running now or later where the caller is away, the deputy, or set it for a member',
    }),
  })
  .openapi('Preferences');

export const PreferencesBody = z
  .strictObject({
    delivery: z
      .record(z.string(), DeliveryChoice)
      .optional()
      .openapi({ description: `per kind (${DIGESTIBLE_KINDS.join(', ')}): immediate or digest` }),
  })
  .superRefine((b, ctx) => {
    for (const kind of Object.keys(b.delivery ?? {})) {
      if ((DIGESTIBLE_KINDS as readonly string[]).includes(kind)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', kind],
        message: (NOTIFICATION_KINDS as readonly string[]).includes(kind)
          ? `${kind} mail is always sent at once and cannot be put in the digest`
          : `unknown kind of mail (kinds: ${KIND_LIST})`,
      });
    }
  })
  .openapi('PreferencesBody');

export const MailDefaultsBody = z
  .strictObject(
    Object.fromEntries(DIGESTIBLE_KINDS.map((k) => [k, DeliveryChoice.optional()])) as Record<
      (typeof DIGESTIBLE_KINDS)[number],
      ReturnType<typeof DeliveryChoice.optional>
    >,
  )
  .openapi('MailDefaultsBody');
// ---- issue 20: the chair's escalation queue and the inspectors' access log ----

export const EscalationNoteOut = z
  .object({
    id: z.string(),
    step: z.enum(CHAIR_STEPS),
    text: z.string(),
    sentTo: z.enum(CHALLENGE_TARGETS).nullable(),
    until: z.string().nullable(),
    recordedAt: z.string(),
    recordedBy: z.string().nullable().openapi({ description: 'The name of who recorded it' }),
  })
  .openapi('EscalationNote');

export const EscalationOut = z
  .object({
    id: z.string(),
    level: z.number().int(),
    reason: z.enum(ESCALATION_REASONS),
    raisedAt: z.string(),
    ageDays: z.number().int().openapi({ description: 'Whole days since it was raised' }),
    resolvedAt: z.string().nullable(),
    resolution: z.enum(ESCALATION_RESOLUTIONS).nullable(),
    retimedUntil: z.string().nullable(),
    notified: z.array(z.string()).openapi({ description: 'Who was told: the addresses the escalation mail went to' }),
    action: z.object({
      id: z.string(),
      reviewReference: z.string(),
      reference: z.string(),
      title: z.string(),
      agencyCode: z.string(),
      agencyName: z.string(),
      status: z.enum(ACTION_STATUSES),
      dueDate: z.string(),
    }),
    notes: z
      .array(EscalationNoteOut)
      .openapi({ description: "The chair's challenges, responses and decisions, oldest first" }),
  })
  .openapi('Escalation');

export const EscalationListQuery = z.strictObject({
  state: z
    .enum(['open', 'retimed', 'closed', 'all'])
    .default('open')
    .openapi({ description: 'open (default), retimed (waiting for the chair’s date), closed, or all' }),
});

const chairText = (required: string) => text(5000, required);

export const ChallengeBody = z
  .strictObject({
    text: chairText('write the challenge'),
    to: z.enum(CHALLENGE_TARGETS).openapi({ description: "The agency's lead officer or its senior manager" }),
  })
  .openapi('ChallengeBody');

export const ResponseBody = z.strictObject({ text: chairText('write the response') }).openapi('ResponseBody');

export const ResolveBody = z.strictObject({ comment: optionalText(5000) }).openapi('ResolveBody');

export const RetimeBody = z
  .strictObject({
    until: DateOrInstant.openapi({
      description:
        "When the escalation is raised again if its cause still holds (a date means the start of that day in the board's zone); must be in the future",
    }),
    comment: optionalText(5000),
  })
  .openapi('RetimeBody');

export const InspectorReadsQuery = z.strictObject({
  from: Day.optional().openapi({ description: 'First day (inclusive), board time' }),
  to: Day.optional().openapi({ description: 'Last day (exclusive), board time' }),
  inspector: z.guid().optional().openapi({ description: 'One inspector’s reads only (user id)' }),
  format: z.enum(['json', 'csv']).default('json'),
});

export const InspectorReadOut = z
  .object({
    id: z.number().int(),
    readAt: z.string(),
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    method: z.string(),
    path: z.string(),
    via: z.enum(['api', 'page']),
  })
  .openapi('InspectorRead');

// ---- end issue 20 ----

// ---- issue 22: the board's corrections ----

export const DueDateCorrectionBody = z
  .strictObject({
    dueDate: DateOrInstant.describe('the corrected due date (a day means the end of that day in the board time zone)'),
    reason: text(2000, 'Say why the date was wrong: it is kept with the correction'),
  })
  .openapi('DueDateCorrectionBody');

export const WordingBody = z
  .strictObject({
    title: z.string().trim().min(1, 'enter the title').max(2000, 'at most 2000 characters').optional(),
    description: optionalText(10000).describe('"" clears it'),
    successMeasure: optionalText(4000).describe('"" clears it'),
    reason: optionalText(2000).describe('why the wording changed (kept with the correction)'),
  })
  .refine((b) => b.title !== undefined || b.description !== undefined || b.successMeasure !== undefined, {
    message: 'give at least one of title, description, successMeasure',
    path: ['title'],
  })
  .openapi('WordingBody');

export const RecommendationWordingBody = z
  .strictObject({
    text: text(10000, 'Enter the recommendation as it should read'),
    reason: optionalText(2000),
  })
  .openapi('RecommendationWordingBody');

export const WordingCorrected = z.object({ changed: z.array(z.string()) }).openapi('WordingCorrected');

export const ReassignBody = z
  .strictObject({ agencyCode: AgencyCode.describe('the agency that owns the action from now on') })
  .openapi('ReassignBody');

export const AddActionBody = ActionInput.omit({ themes: true }).openapi('AddActionBody');

export const WithdrawReviewBody = z
  .strictObject({
    reason: text(10000, 'Give the reason for withdrawing the review: every agency with open actions is told it'),
  })
  .openapi('WithdrawReviewBody');

export const WithdrawnReview = z
  .object({
    id: z.string(),
    status: z.literal('withdrawn'),
    cancelled: z.array(z.object({ actionId: z.string(), reference: z.string(), agencyCode: z.string() })),
    agenciesTold: z.array(z.string()).openapi({ description: 'Agency codes mailed (once each)' }),
  })
  .openapi('WithdrawnReview');

export const MovedEvidenceOut = z
  .object({
    actionId: z.string(),
    reviewReference: z.string(),
    reference: z.string(),
    title: z.string(),
    nowWith: z.string().openapi({ description: 'The agency that owns the action now' }),
    evidence: z.array(
      z.object({
        id: z.string(),
        statement: z.string(),
        links: z.array(z.string()),
        status: z.string(),
        submittedAt: z.string(),
        submittedByName: z.string().nullable(),
        attachments: z.array(z.object({ id: z.string(), filename: z.string(), size: z.number() })),
      }),
    ),
  })
  .openapi('MovedEvidence');
