import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

/**
 * The read model and content store (docs/ARCHITECTURE.md, The layers). Temporal is the authority on an
 * action's state; these rows are its projection, written by activities, so that lists,
 * dashboards and reports are plain SQL.
 */

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

import {
  ACTION_STATUSES,
  ASSURANCE_STATES,
  IMPACT_OUTCOMES,
  CHAIR_STEPS,
  CHALLENGE_TARGETS,
  ESCALATION_RESOLUTIONS,
  DECISION_OUTCOMES,
  ESCALATION_REASONS,
  EVIDENCE_STATUSES,
  OUTCOMES,
  RAGS,
  REVIEW_TYPES,
  ROLES,
  type ActionStatus,
  type Outcome,
  type Rag,
  type ReviewType,
  type Role,
} from '../domain/vocabulary';

// The vocabulary lives in domain/vocabulary.ts; re-exported for the many modules that read it with the tables.
export { ACTION_STATUSES, DECISION_OUTCOMES, ESCALATION_REASONS, OUTCOMES, RAGS, REVIEW_TYPES, ROLES };
export type { ActionStatus, Outcome, Rag, ReviewType, Role };

export const NOTIFICATION_KINDS = [
  'assignment',
  'reminder',
  'overdue',
  'escalation',
  'evidence_submitted',
  'decision',
  'recommendation_complete',
  'sign_in',
  'extension_requested',
  'impact_request',
  'impact_reminder',
  'impact_evidence_submitted',
  'impact_decision',
  // Issue 18: one person's daily digest.
  'digest',
  'chair_challenge',
  'extension_requested',
] as const;

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const agencies = pgTable('agencies', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  leadEmail: text('lead_email').notNull(),
  seniorEmail: text('senior_email'),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    email: text('email').notNull().unique(),
    role: text('role', { enum: ROLES }).notNull(),
    agencyId: uuid('agency_id').references(() => agencies.id),
    /** sha256 of the bearer token; the token itself is shown once and never stored. */
    tokenHash: text('token_hash').unique(),
    /** Names the current token (revocation by id never needs the token itself). */
    tokenId: uuid('token_id').unique().defaultRandom(),
    /** The token stops working at this instant (API_TOKEN_TTL_DAYS after it was issued). */
    tokenExpiresAt: ts('token_expires_at')
      .notNull()
      .default(sql`now() + interval '90 days'`),
    /** Set when an administrator deactivates the user: no token, no session, no sign-in. */
    deactivatedAt: ts('deactivated_at'),
    /** Issue 20: an inspector's access ends at this instant (token, session and sign-in alike). */
    accessExpiresAt: ts('access_expires_at'),
    createdAt: createdAt(),
  },
  (t) => [
    check('users_role_check', inList('role', ROLES)),
    check('users_agency_role_check', sql`role <> 'agency' or agency_id is not null`),
    check('users_inspector_expiry_check', sql`role <> 'inspector' or access_expires_at is not null`),
    index('users_agency_idx').on(t.agencyId),
  ],
);

export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reference: text('reference').notNull().unique(),
    title: text('title').notNull(),
    type: text('type', { enum: REVIEW_TYPES }).notNull().default('other'),
    publishedOn: date('published_on', { mode: 'string' }),
    /** The timers policy with every default filled in (docs/ARCHITECTURE.md, The action lifecycle). */
    policy: jsonb('policy').notNull(),
    // 'withdrawn': the board withdrew the review (issue 22); the reason is in its audit event.
    status: text('status', { enum: ['active', 'completed', 'withdrawn'] })
      .notNull()
      .default('active'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
    completedAt: ts('completed_at'),
  },
  (t) => [check('reviews_type_check', inList('type', REVIEW_TYPES)), index('reviews_type_idx').on(t.type)],
);

/** The timers policy a new review of each type gets when its request names none (admin-changeable). */
export const reviewTypePolicies = pgTable(
  'review_type_policies',
  {
    type: text('type', { enum: REVIEW_TYPES }).primaryKey(),
    policy: jsonb('policy').notNull(),
    updatedBy: uuid('updated_by').references(() => users.id),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  () => [check('review_type_policies_type_check', inList('type', REVIEW_TYPES))],
);

/** The controlled list of themes the admin maintains; recommendations and actions carry their codes. */
export const themes = pgTable(
  'themes',
  {
    code: text('code').primaryKey(),
    label: text('label').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  () => [check('themes_code_check', sql`code ~ '^[a-z0-9][a-z0-9-]{0,39}$'`)],
);

export const recommendations = pgTable(
  'recommendations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reviewId: uuid('review_id')
      .notNull()
      .references(() => reviews.id),
    number: text('number').notNull(),
    text: text('text').notNull(),
    position: integer('position').notNull().default(0),
    workflowId: text('workflow_id').notNull().unique(),
    themes: text('themes')
      .array()
      .notNull()
      .default(sql`'{}'`),
    status: text('status', { enum: ['open', 'implemented', 'partly_implemented', 'not_implemented', 'cancelled'] })
      .notNull()
      .default('open'),
    completedAt: ts('completed_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('recommendations_review_number_uq').on(t.reviewId, t.number)],
);

export const actions = pgTable(
  'actions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recommendationId: uuid('recommendation_id')
      .notNull()
      .references(() => recommendations.id),
    /** Denormalised from the recommendation so list filters need no join. */
    reviewId: uuid('review_id')
      .notNull()
      .references(() => reviews.id),
    /**
     * The review's reference, denormalised so GET /actions can page in its order (due date, review
     * reference, action reference, id) from one index on this table, without joining reviews for
     * every row it skips. A trigger (migration 0002) sets it from `reviews` on every insert, and
     * follows a change of the review's reference, so it always equals `reviews.reference`.
     */
    reviewReference: text('review_reference').notNull(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    reference: text('reference').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    successMeasure: text('success_measure'),
    dueDate: ts('due_date').notNull(),
    status: text('status', { enum: ACTION_STATUSES }).notNull().default('assigned'),
    outcome: text('outcome', { enum: OUTCOMES }),
    rag: text('rag', { enum: RAGS }).notNull().default('green'),
    escalationLevel: integer('escalation_level').notNull().default(0),
    changesRequested: boolean('changes_requested').notNull().default(false),
    acknowledgedAt: ts('acknowledged_at'),
    lastActivityAt: ts('last_activity_at'),
    closedAt: ts('closed_at'),
    /** Next reminder/escalation instant the workflow planned (for display; Temporal owns it). */
    nextTimerAt: ts('next_timer_at'),
    workflowId: text('workflow_id').notNull().unique(),
    /** Theme codes (the recommendation's and the action's own), for cuts across reviews. */
    themes: text('themes')
      .array()
      .notNull()
      .default(sql`'{}'`),
    /** The first due date, kept when an approved extension moves it (null: never moved). Migration 0009. */
    originalDueDate: ts('original_due_date'),
    /** Approved extensions: with the original date, the slippage the board sees. */
    extensionCount: integer('extension_count').notNull().default(0),
    /** What the impact check measures (the success measure when null). */
    impactMeasure: text('impact_measure'),
    /** false: the board wants no impact check after approval. */
    impactCheck: boolean('impact_check').notNull().default(true),
    /** The impact check after closure: null when none applies (domain/vocabulary.ts ASSURANCE_STATES). */
    assurance: text('assurance', { enum: ASSURANCE_STATES }),
    impactCheckAt: ts('impact_check_at'),
    /** The action whose impact check was "not embedded" and created this one. */
    followUpOf: uuid('follow_up_of'),
    /** The follow-up action this one's "not embedded" decision created. */
    followUpActionId: uuid('follow_up_action_id'),
    /** The named owner (issue 18): a user of the owning agency, or null (mail goes to the agency as before). */
    ownerId: uuid('owner_id').references((): AnyPgColumn => users.id),
    /**
     * Issue 22: the outbox key of the import's summary mail that tells this action's assignment
     * (`import-<review>:assignment:<agency>`, activities/assignment-summary.ts); null: the action's
     * own assignment mail, as for every action created one by one. Migration 0016.
     */
    assignmentMailKey: text('assignment_mail_key'),
    /** Highest workflow event sequence projected; a stale retry never overwrites a newer state. */
    projectedSeq: integer('projected_seq').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('actions_review_reference_uq').on(t.reviewId, t.reference),
    index('actions_agency_status_idx').on(t.agencyId, t.status),
    index('actions_status_due_idx').on(t.status, t.dueDate),
    /**
     * GET /actions pages in exactly this order: the page's ids come from this index alone (an
     * index-only scan that stops at the page), and only those rows are joined.
     */
    index('actions_list_order_idx').on(t.dueDate, t.reviewReference, t.reference, t.id),
    index('actions_review_idx').on(t.reviewId),
    index('actions_recommendation_idx').on(t.recommendationId),
    index('actions_themes_idx').using('gin', t.themes),
    index('actions_owner_idx').on(t.ownerId),
    index('actions_assignment_mail_key_idx')
      .on(t.assignmentMailKey)
      .where(sql`assignment_mail_key is not null`),
    check('actions_status_check', inList('status', ACTION_STATUSES)),
    check('actions_escalation_level_check', sql`escalation_level between 0 and 3`),
    check('actions_assurance_check', sql`assurance is null or ${inList('assurance', ASSURANCE_STATES)}`),
    index('actions_assurance_idx').on(t.assurance),
  ],
);

/** An agency's word between assignment and closure: no stage change, no request to the board (migration 0009). */
export const progressUpdates = pgTable(
  'progress_updates',
  {
    id: uuid('id').primaryKey(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    statement: text('statement').notNull(),
    percentComplete: smallint('percent_complete'),
    /** The agency's own RAG, always with its reason. */
    rag: text('rag', { enum: RAGS }),
    ragReason: text('rag_reason'),
    attachments: jsonb('attachments')
      .$type<{ filename: string; mediaType: string; size: number; sha256: string }[]>()
      .notNull()
      .default([]),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: ts('submitted_at').notNull().defaultNow(),
  },
  (t) => [
    index('progress_updates_action_idx').on(t.actionId, t.submittedAt),
    check('progress_updates_percent_check', sql`percent_complete is null or percent_complete between 0 and 100`),
    check(
      'progress_updates_rag_check',
      sql`rag is null or (rag in ('green', 'amber', 'red', 'complete') and rag_reason is not null)`,
    ),
  ],
);

/** What the agency sends when the impact check asks whether the learning is embedded. */
export const impactEvidence = pgTable(
  'impact_evidence',
  {
    id: uuid('id').primaryKey(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    statement: text('statement').notNull(),
    /** How it was measured: audit, case file sample, survey... (IMPACT_METHODS). */
    method: text('method').notNull(),
    links: jsonb('links').$type<string[]>().notNull().default([]),
    attachments: jsonb('attachments')
      .$type<{ filename: string; mediaType: string; size: number; sha256: string }[]>()
      .notNull()
      .default([]),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: ts('submitted_at').notNull().defaultNow(),
  },
  (t) => [index('impact_evidence_action_idx').on(t.actionId)],
);

export const impactDecisions = pgTable(
  'impact_decisions',
  {
    id: uuid('id').primaryKey(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    evidenceId: uuid('evidence_id').references(() => impactEvidence.id),
    outcome: text('outcome', { enum: IMPACT_OUTCOMES }).notNull(),
    comment: text('comment').notNull().default(''),
    followUpActionId: uuid('follow_up_action_id'),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: ts('decided_at').notNull().defaultNow(),
  },
  (t) => [
    index('impact_decisions_action_idx').on(t.actionId),
    check('impact_decisions_outcome_check', sql`outcome in ('evidenced', 'not_embedded', 'waived')`),
  ],
);

export const evidence = pgTable(
  'evidence',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    statement: text('statement').notNull(),
    links: jsonb('links').$type<string[]>().notNull().default([]),
    status: text('status', { enum: EVIDENCE_STATUSES }).notNull().default('submitted'),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: ts('submitted_at').notNull().defaultNow(),
  },
  (t) => [index('evidence_action_idx').on(t.actionId)],
);

/** File content, content-addressed: the same bytes uploaded twice are stored once. */
export const blobs = pgTable('blobs', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  content: bytea('content').notNull(),
  createdAt: createdAt(),
});

export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    evidenceId: uuid('evidence_id')
      .notNull()
      .references(() => evidence.id),
    filename: text('filename').notNull(),
    mediaType: text('media_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256')
      .notNull()
      .references(() => blobs.sha256),
  },
  (t) => [index('attachments_evidence_idx').on(t.evidenceId)],
);

export const decisions = pgTable(
  'decisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    evidenceId: uuid('evidence_id').references(() => evidence.id),
    outcome: text('outcome', { enum: DECISION_OUTCOMES }).notNull(),
    comment: text('comment').notNull().default(''),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: ts('decided_at').notNull().defaultNow(),
  },
  (t) => [index('decisions_action_idx').on(t.actionId)],
);

export const extensionRequests = pgTable(
  'extension_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    previousDueDate: ts('previous_due_date').notNull(),
    newDueDate: ts('new_due_date').notNull(),
    reason: text('reason').notNull(),
    interimMeasures: text('interim_measures').notNull(),
    // withdrawn: the agency took it back before the board decided (issue 22).
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'withdrawn'] })
      .notNull()
      .default('pending'),
    requestedBy: uuid('requested_by').references(() => users.id),
    requestedAt: ts('requested_at').notNull().defaultNow(),
    decidedBy: uuid('decided_by').references(() => users.id),
    decisionComment: text('decision_comment'),
    decidedAt: ts('decided_at'),
  },
  (t) => [index('extension_requests_action_idx').on(t.actionId)],
);

export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    level: integer('level').notNull(),
    reason: text('reason', { enum: ESCALATION_REASONS }).notNull(),
    raisedAt: ts('raised_at').notNull().defaultNow(),
    resolvedAt: ts('resolved_at'),
    /** Who was told: the addresses the escalation mail went to. */
    notified: jsonb('notified').$type<string[]>().notNull().default([]),
    /** Issue 20: set when the chair ended it: `resolved`, or `retimed` (it is raised again at `retimedUntil`). */
    resolution: text('resolution', { enum: ESCALATION_RESOLUTIONS }),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    retimedUntil: ts('retimed_until'),
  },
  (t) => [
    index('escalations_action_idx').on(t.actionId),
    check('escalations_level_check', sql`level between 1 and 3`),
    check('escalations_resolution_check', sql`resolution is null or ${inList('resolution', ESCALATION_RESOLUTIONS)}`),
    index('escalations_open_idx')
      .on(t.raisedAt)
      .where(sql`${t.resolvedAt} is null`),
  ],
);

/** Issue 20: what the independent chair recorded on an escalation (projected from the action's workflow). */
export const escalationNotes = pgTable(
  'escalation_notes',
  {
    id: uuid('id').primaryKey(),
    escalationId: uuid('escalation_id')
      .notNull()
      .references(() => escalations.id),
    actionId: uuid('action_id')
      .notNull()
      .references(() => actions.id),
    step: text('step', { enum: CHAIR_STEPS }).notNull(),
    text: text('text').notNull().default(''),
    /** A challenge's addressee: the agency's lead officer or its senior manager. */
    sentTo: text('sent_to', { enum: CHALLENGE_TARGETS }),
    /** A re-timing's new date: the escalation is raised again then. */
    until: ts('until'),
    recordedBy: uuid('recorded_by').references(() => users.id),
    recordedAt: ts('recorded_at').notNull(),
  },
  (t) => [
    index('escalation_notes_escalation_idx').on(t.escalationId, t.recordedAt),
    check('escalation_notes_step_check', inList('step', CHAIR_STEPS)),
    check('escalation_notes_sent_to_check', sql`sent_to is null or ${inList('sent_to', CHALLENGE_TARGETS)}`),
  ],
);

/** Issue 20: one row per page or API read by an inspector (who, what, when); the board reads and exports it. */
export const inspectorReads = pgTable(
  'inspector_reads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    method: text('method').notNull(),
    path: text('path').notNull(),
    via: text('via', { enum: ['api', 'page'] }).notNull(),
    readAt: ts('read_at').notNull().defaultNow(),
  },
  (t) => [
    index('inspector_reads_read_at_idx').on(t.readAt),
    index('inspector_reads_user_idx').on(t.userId, t.readAt),
    check('inspector_reads_via_check', sql`via in ('api', 'page')`),
  ],
);

/** The mail outbox: one row per message, unique on a key derived from workflow id + occasion. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    actionId: uuid('action_id').references(() => actions.id),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    recipient: text('recipient').notNull(),
    cc: jsonb('cc').$type<string[]>().notNull().default([]),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    htmlBody: text('html_body').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    ics: text('ics'),
    /** Issue 22: the calendar entries of a mail that carries several (an import's summary: one per action). */
    icsFiles: jsonb('ics_files').$type<{ filename: string; content: string }[]>().notNull().default([]),
    /** `digested`: everyone it was meant for takes this kind in their daily digest (issue 18). */
    status: text('status', { enum: ['pending', 'sent', 'failed', 'digested'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    messageId: text('message_id'),
    createdAt: createdAt(),
    sentAt: ts('sent_at'),
  },
  (t) => [index('notifications_action_idx').on(t.actionId), index('notifications_status_idx').on(t.status)],
);

/**
 * Issue 22: an uploaded action plan that passed every row check, kept for the board's "check
 * before importing" page until confirmed or expired (api/use-cases/import-check.ts). Nothing of
 * the review exists before the confirmation. Migration 0016.
 */
export const importChecks = pgTable(
  'import_checks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    /** The parsed review: reference, title, type, policy, recommendations with their actions. */
    input: jsonb('input').notNull(),
    /** Set once imported: a second confirmation shows that review. */
    reviewId: uuid('review_id'),
    createdAt: createdAt(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('import_checks_expires_idx').on(t.expiresAt)],
);

/**
 * Append-only audit trail. Each row carries the hash of the previous row, so an edit or a
 * deletion anywhere breaks the chain and `npm run audit:verify` names the first bad row.
 * `event_key` (workflow id + event sequence) makes a retried projection a no-op.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventKey: text('event_key').notNull().unique(),
    actionId: uuid('action_id').references(() => actions.id),
    reviewId: uuid('review_id').references(() => reviews.id),
    type: text('type').notNull(),
    actor: text('actor'),
    payload: jsonb('payload').notNull().default({}),
    occurredAt: ts('occurred_at').notNull(),
    recordedAt: createdAt(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /** 1: sha256 chain (before the audit key); 2: HMAC-SHA256 keyed with AUDIT_KEY. */
    scheme: smallint('scheme').notNull().default(1),
  },
  (t) => [index('audit_events_action_idx').on(t.actionId, t.id)],
);

/** Days off an admin added to the shipped bank holidays (a one-off, or a substitute for a shipped day). */
export const calendarDays = pgTable('calendar_days', {
  date: date('date', { mode: 'string' }).primaryKey(),
  title: text('title').notNull(),
  replaces: date('replaces', { mode: 'string' }),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
});

/** API `Idempotency-Key` replay store, per caller. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    responseBody: jsonb('response_body'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** One-time sign-in links for the web pages (only the hash is stored). */
export const loginTokens = pgTable('login_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  /** Hash of the cookie given to the browser that asked; null for a link the server printed. */
  browserNonceHash: text('browser_nonce_hash'),
  createdAt: createdAt(),
});

/** Failure counters shared by every API process (bad tokens, sign-in requests), one row per key and window. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  resetAt: ts('reset_at').notNull(),
});

/** Browser sessions (cookie holds the id; only its hash is stored). */
export const sessions = pgTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  csrfToken: text('csrf_token').notNull(),
  expiresAt: ts('expires_at').notNull(),
  createdAt: createdAt(),
  /** Single sign-on: the provider's ID token, the hint of its end-session request (migration 0012). */
  oidcIdToken: text('oidc_id_token'),
});

/**
 * One row whose version goes up, by statement-level triggers (migration 0003), in the same
 * transaction as every insert, update, delete or truncate of actions, reviews, recommendations
 * and agencies: everything a page of GET /actions shows. A cached page is served only while the
 * version it was read at is still the committed one, so it is never older than the last write.
 */
export const readModelVersion = pgTable(
  'read_model_version',
  {
    id: integer('id').primaryKey(),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  () => [check('read_model_version_single_row', sql`id = 1`)],
);

/** A running worker's heartbeat (migration 0007): what /readyz reads to know a worker is there. */
export const workerHeartbeats = pgTable(
  'worker_heartbeats',
  {
    id: text('id').primaryKey(),
    taskQueue: text('task_queue').notNull(),
    startedAt: ts('started_at').notNull().defaultNow(),
    seenAt: ts('seen_at').notNull().defaultNow(),
  },
  (t) => [index('worker_heartbeats_queue_seen_idx').on(t.taskQueue, t.seenAt)],
);

// ---- People, not mailboxes (issue 18, migration 0010) ----

/** Kinds a person may take in the daily digest; assignment, escalation, decision and sign-in are always immediate. */
export const DIGESTIBLE_KINDS = ['reminder', 'overdue', 'evidence_submitted', 'recommendation_complete'] as const;
export type DigestibleKind = (typeof DIGESTIBLE_KINDS)[number];
export const DELIVERIES = ['immediate', 'digest'] as const;
export type Delivery = (typeof DELIVERIES)[number];

/** Cover while away: from `startsOn` to `endsOn` (board-local days, inclusive) mail for `userId` goes to `deputyId`. */
export const covers = pgTable(
  'covers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    deputyId: uuid('deputy_id')
      .notNull()
      .references(() => users.id),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    /** The person away still receives a copy. */
    copyMe: boolean('copy_me').notNull().default(false),
    setBy: uuid('set_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    check('covers_range_check', sql`ends_on >= starts_on`),
    check('covers_not_self_check', sql`deputy_id <> user_id`),
    index('covers_user_idx').on(t.userId, t.startsOn),
  ],
);

/** A person's own choice per digestible kind; absent rows fall back to mail_defaults, then `immediate`. */
export const mailPreferences = pgTable(
  'mail_preferences',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: DIGESTIBLE_KINDS }).notNull(),
    delivery: text('delivery', { enum: DELIVERIES }).notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.kind] }),
    check('mail_preferences_kind_check', inList('kind', DIGESTIBLE_KINDS)),
    check('mail_preferences_delivery_check', inList('delivery', DELIVERIES)),
  ],
);

/** The partnership's default per digestible kind (set by the admin); no row means `immediate`. */
export const mailDefaults = pgTable(
  'mail_defaults',
  {
    kind: text('kind', { enum: DIGESTIBLE_KINDS }).primaryKey(),
    delivery: text('delivery', { enum: DELIVERIES }).notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  () => [
    check('mail_defaults_kind_check', inList('kind', DIGESTIBLE_KINDS)),
    check('mail_defaults_delivery_check', inList('delivery', DELIVERIES)),
  ],
);

/**
 * A notification held back for someone's digest: written by the outbox in the transaction that
 * stores the notification, claimed (digest_key set) by the digest of one user and day.
 */
export const digestItems = pgTable(
  'digest_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationKey: text('notification_key').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    actionId: uuid('action_id').references(() => actions.id),
    kind: text('kind').notNull(),
    digestKey: text('digest_key'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('digest_items_once_uq').on(t.notificationKey, t.userId),
    index('digest_items_pending_idx')
      .on(t.userId)
      .where(sql`digest_key is null`),
  ],
);

/**
 * Activity failures as the workers saw them (migration 0015), by activity and reason (a
 * SQLSTATE, `connection`, an ApplicationFailure type, `unknown`): /metrics serves the counts.
 */
export const activityFailureCounts = pgTable(
  'activity_failure_counts',
  {
    activityType: text('activity_type').notNull(),
    reason: text('reason').notNull(),
    failures: bigint('failures', { mode: 'number' }).notNull().default(0),
    lastFailedAt: ts('last_failed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.activityType, t.reason] })],
);

/**
 * The projection failing now, per action workflow (migration 0015): the event (`seq`) it could
 * not write, since when, how often, and the last error. Stale once the action's `projected_seq`
 * reaches `seq`; an action still short of it a minute after the first failure is behind.
 */
export const projectionFailures = pgTable('projection_failures', {
  workflowId: text('workflow_id').primaryKey(),
  actionId: text('action_id').notNull(),
  seq: integer('seq').notNull(),
  reason: text('reason').notNull(),
  lastError: text('last_error').notNull(),
  attempts: integer('attempts').notNull().default(1),
  firstFailedAt: ts('first_failed_at').notNull().defaultNow(),
  lastFailedAt: ts('last_failed_at').notNull().defaultNow(),
});
