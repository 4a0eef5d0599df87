/**
 * Words and recipients of each notification kind (docs/ARCHITECTURE.md, The action lifecycle). Pure: the outbox
 * activity looks the facts up and hands them here.
 */
import { dueOn, formatDay } from '../lib/board-time';
import { addDays } from '../workflows/calendar';
import { escapeHtml } from '../domain/text';
import { STATUS_LABEL } from '../domain/words';
import { EXTENSION_WAIT_OCCASION } from '../workflows/planner';
import type { NotificationRequest } from '../workflows/types';

export interface MailFacts {
  publicUrl: string;
  boardChairEmail: string;
  reviewReference: string;
  reviewTitle: string;
  /** Action reference (`2.1`) or, for a recommendation, its number. */
  reference: string;
  title: string;
  actionId: string | null;
  agency: { code: string; name: string; leadEmail: string; seniorEmail: string | null; userEmails: string[] } | null;
  boardEmails: string[];
  dueDate: Date | null;
  status: string | null;
  /** extension_requested: how many extension requests the action has had, this one included. */
  extensionRequests?: number;
  /** Who acted and what they sent, and the policy's deadlines in words (activities/mail-details.ts). */
  details?: MailDetails;
  /** Issue 18: the action's named owner (an active user), or null/absent: the agency is mailed as before. */
  owner?: { email: string; name: string } | null;
}

export interface MailDetails {
  description?: string | null;
  successMeasure?: string | null;
  /** Issue 17: what the impact check measures, when the action names its own (else the success measure). */
  impactMeasure?: string | null;
  /** Issue 17: the impact check after approval, while it is still ahead (scheduled or due); absent or null when none. */
  impactCheck?: { on: Date } | null;
  acknowledgeWithin?: string | null;
  boardDecisionWithin?: string | null;
  stallAfter?: string | null;
  /** The person who submitted, decided, requested or cancelled. */
  actorName?: string | null;
  evidence?: { statement: string; links: number; files: string[] } | null;
  extension?: {
    previousDueDate: Date;
    newDueDate: Date;
    reason: string;
    interimMeasures: string;
    requestedBy: string | null;
  } | null;
}

export interface ComposedMail {
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  ics: string | null;
  /** Issue 22: a mail with several calendar entries (the import summary: one per action). */
  icsFiles?: { filename: string; content: string }[];
}

const uniq = (xs: (string | null | undefined)[]) => [
  ...new Set(xs.filter((x): x is string => !!x).map((x) => x.toLowerCase())),
];
/** A due date as people write it, on its day in the board's zone: "31 January 2027". */
const day = (d: Date | null) => (d ? formatDay(d) : 'not set');

/** An agency's own audience: its lead officer's address and its users (assignment, reminders, decisions). */
export const agencyAudience = (agency: { leadEmail: string; userEmails: string[] }): string[] =>
  uniq([agency.leadEmail, ...agency.userEmails]);

export function recipients(req: NotificationRequest, f: MailFacts): { to: string[]; cc: string[] } {
  const agencyAll = f.agency ? agencyAudience(f.agency) : [];
  const board = f.boardEmails.length ? uniq(f.boardEmails) : [f.boardChairEmail.toLowerCase()];
  // ---- issue 18: a named owner receives the action's mail, the agency lead in copy ----
  const owner = f.owner?.email.toLowerCase() ?? null;
  const lead = f.agency?.leadEmail ?? null;
  if (owner && req.audience === 'owner') return { to: [owner], cc: [] };
  if (owner && (req.kind === 'reminder' || req.kind === 'overdue' || req.kind === 'decision'))
    return { to: [owner], cc: uniq([lead]).filter((c) => c !== owner) };
  if (owner && req.kind === 'escalation' && req.escalation?.reason !== 'awaiting_board') {
    const laddered = escalationRecipients(req, f, board);
    return { ...laddered, cc: uniq([...laddered.cc, owner]).filter((c) => !laddered.to.includes(c)) };
  }
  // ---- end issue 18 ----
  switch (req.kind) {
    case 'assignment':
    case 'reminder':
    case 'overdue':
    case 'decision':
    case 'impact_request':
    case 'impact_reminder':
    case 'impact_decision':
      return { to: agencyAll, cc: [] };
    case 'evidence_submitted':
    case 'impact_evidence_submitted':
      return { to: board, cc: [] };
    case 'extension_requested': {
      // A second request on the same action goes to the chair as well (escalation level 3's copy).
      const chair = f.boardChairEmail.toLowerCase();
      return (f.extensionRequests ?? 1) >= 2
        ? { to: board, cc: board.includes(chair) ? [] : [chair] }
        : { to: board, cc: [] };
    }
    case 'recommendation_complete':
      return { to: board, cc: uniq([f.boardChairEmail]).filter((c) => !board.includes(c)) };
    case 'escalation':
      return escalationRecipients(req, f, board);
    case 'chair_challenge': {
      // Issue 20: to the officer the chair names (senior falls back to the lead), the chair in copy.
      const lead = f.agency?.leadEmail ?? null;
      const to = uniq([req.challengeTo === 'senior' ? (f.agency?.seniorEmail ?? lead) : lead]);
      return { to, cc: uniq([f.boardChairEmail]).filter((c) => !to.includes(c)) };
    }
  }
}

/** The escalation ladder: level 1 the lead, level 2 the senior manager, level 3 the chair, lower levels in copy. */
function escalationRecipients(req: NotificationRequest, f: MailFacts, board: string[]): { to: string[]; cc: string[] } {
  const lead = f.agency?.leadEmail ?? null;
  const senior = f.agency?.seniorEmail ?? lead;
  const chair = f.boardChairEmail;
  const level = req.escalation?.level ?? 1;
  // The board's own delay is not the agency's fault: the chair is told, with the board in copy.
  if (req.escalation?.reason === 'awaiting_board')
    return { to: [chair.toLowerCase()], cc: board.filter((b) => b !== chair.toLowerCase()) };
  if (level >= 3)
    return { to: [chair.toLowerCase()], cc: uniq([lead, senior]).filter((c) => c !== chair.toLowerCase()) };
  // Stryker disable next-line OptionalChaining: equivalent; senior is null only when lead is, and then the filter has nothing to call it on
  if (level === 2) return { to: uniq([senior]), cc: uniq([lead]).filter((c) => c !== senior?.toLowerCase()) };
  return { to: uniq([lead]), cc: [] };
}

/** "second", "third": which extension request this is. */
const ordinal = (n: number) => ['first', 'second', 'third', 'fourth', 'fifth'][n - 1] ?? `number ${n}`;
/** The workflow writes the follow-up as "2.1a due 2026-05-01"; the mail says the day in words. */
function followUpWords(s: string | undefined): string | null {
  if (!s) return null;
  const m = /^(.*) due (\d{4}-\d{2}-\d{2})$/.exec(s);
  return m ? `Action ${m[1]}, due ${day(new Date(`${m[2]}T12:00:00Z`))}` : s;
}

/** Words for an escalation's reason, after "Action 2.1 …". */
const REASON_WORDS: Record<string, (f: MailFacts) => string> = {
  not_acknowledged: () => 'has not been acknowledged',
  overdue: (f) => `is overdue: it was due on ${day(f.dueDate)}`,
  stalled: (f) =>
    `has had no progress update${f.details?.stallAfter ? ` for ${f.details.stallAfter}` : ' for a long time'}`,
  awaiting_board: () => 'has evidence that has been waiting too long for the board to decide on it',
  // Issue 17: after closure, the impact check.
  impact_evidence_missing: () =>
    'was closed as implemented, but the evidence of its impact the board asked for has not come',
};
const REASON_SHORT: Record<string, string> = {
  not_acknowledged: 'not acknowledged',
  overdue: 'overdue',
  stalled: 'no progress update',
  awaiting_board: 'waiting for the board',
  impact_evidence_missing: 'no evidence of impact',
};
/** Who each level of the ladder tells (docs/ARCHITECTURE.md, escalation ladder). */
const LEVEL_WHO: Record<number, string> = {
  1: "the agency's lead officer",
  2: "the agency's senior manager",
  3: "the board's independent chair",
};
const levelWho = (level: number) => LEVEL_WHO[Math.min(Math.max(level, 1), 3)];

const RECOMMENDATION_WORDS: Record<string, string> = {
  implemented: 'every action under it was implemented',
  partly_implemented: 'some of its actions were implemented and others were closed as not implemented',
  not_implemented: 'none of its actions was implemented',
  cancelled: 'all of its actions were cancelled',
};
const RECOMMENDATION_SHORT: Record<string, string> = {
  implemented: 'implemented',
  partly_implemented: 'partly implemented',
  not_implemented: 'not implemented',
  cancelled: 'all actions cancelled',
};

/** Whole days from now to the due date, counted on local days in the board's zone. */
function daysUntil(due: Date, now: Date): number {
  const at = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return Math.round((at(dueOn(due)) - at(dueOn(now))) / 86_400_000);
}
const inDays = (n: number) => (n <= 0 ? 'today' : n === 1 ? 'tomorrow' : `in ${n} days`);

/** "8 months later", "3 weeks later", "5 days earlier": how far a due date moves. */
export function moveWords(from: Date, to: Date): string {
  const days = Math.round((to.getTime() - from.getTime()) / 86_400_000);
  const n = Math.abs(days);
  const way = days >= 0 ? 'later' : 'earlier';
  if (n >= 60) return `about ${Math.round(n / 30.4)} months ${way}`;
  if (n >= 14) return `about ${Math.round(n / 7)} weeks ${way}`;
  return `${n} day${n === 1 ? '' : 's'} ${way}`;
}

/** A long statement cut at a word for the mail; the whole of it is on the action's page. */
const excerpt = (s: string, max = 600) => (s.length <= max ? s : `${s.slice(0, max).replace(/\s+\S*$/, '')} …`);

/** One message in parts: the headline (subject and heading), what happened, the facts, and what is asked. */
interface Message {
  headline: string;
  lead: string;
  facts: [string, string | null | undefined][];
  /** What is asked, by when, and what happens if not: each a paragraph. */
  asks: string[];
}

const who = (f: MailFacts, fallback: string) => f.details?.actorName ?? fallback;
const agencyName = (f: MailFacts) => f.agency?.name ?? 'the agency';
/** What the impact check measures: the action's own impact measure, else its success measure. */
const impactMeasure = (f: MailFacts) => f.details?.impactMeasure || f.details?.successMeasure;
const actionFacts = (f: MailFacts): Message['facts'] => [
  ['What is asked', f.details?.description || f.title],
  ['Success measure', f.details?.successMeasure],
  ['Due', f.dueDate ? day(f.dueDate) : null],
];

function decisionMessage(req: NotificationRequest, f: MailFacts): Message {
  const d = req.detail ?? {};
  const ref = `action ${f.reference}`;
  const comment = d.comment || null;
  const x = f.details?.extension;
  if (d.extension === 'approve') {
    const to = x?.newDueDate ?? f.dueDate;
    return {
      headline: `Extension approved: ${f.reference} now due ${day(to)}`,
      lead:
        `${who(f, 'The board')} approved more time for ${ref} (${f.title}). It is now due on ${day(to)}` +
        (x ? ` (was ${day(x.previousDueDate)}).` : '.'),
      facts: [
        ['Reason given for the delay', x?.reason],
        ['Interim measures that protect children meanwhile', x?.interimMeasures],
        ["Board's comment", comment],
      ],
      asks: [
        `What to do now: carry on with the action and send the board your progress statement and evidence by ${day(to)}.`,
        'Reminders will come before the new date; if it passes without evidence, the action becomes overdue and is escalated.',
      ],
    };
  }
  if (d.extension === 'reject') {
    return {
      headline: `Extension refused: ${f.reference} is still due ${day(f.dueDate)}`,
      lead:
        `${who(f, 'The board')} refused the request to move ${ref} (${f.title})` +
        (x ? ` to ${day(x.newDueDate)}` : '') +
        `. It is still due on ${day(f.dueDate)}.`,
      facts: [
        ["Board's reason", comment],
        ['Reason given for the delay', x?.reason],
      ],
      asks: [
        `What to do now: send the board your progress statement and evidence by ${day(f.dueDate)}.`,
        'If the date passes without evidence, the action becomes overdue and is escalated.',
      ],
    };
  }
  switch (d.outcome) {
    case 'approve': {
      const check = f.details?.impactCheck;
      if (check)
        return {
          headline: `Approved: ${f.reference} is closed as implemented; its impact is checked on ${day(check.on)}`,
          lead: `${who(f, 'The board')} approved the evidence for ${ref} (${f.title}). The action is closed as implemented.`,
          facts: [
            ["Board's comment", comment],
            ['Impact check due', day(check.on)],
            ['How impact will be measured', impactMeasure(f)],
          ],
          asks: [
            `Nothing more is asked of ${agencyName(f)} until ${day(check.on)}. On that day the board will ask whether the learning is embedded: a short statement of the impact, what was measured and how (for example an audit, a sample of case files or a survey), and any files.`,
            "Reminders and escalation follow if the evidence of impact does not come. It can be sent from the action's page before then.",
          ],
        };
      return {
        headline: `Approved: ${f.reference} is closed as implemented`,
        lead: `${who(f, 'The board')} approved the evidence for ${ref} (${f.title}). The action is closed as implemented.`,
        facts: [["Board's comment", comment]],
        asks: [`Nothing more is asked of ${agencyName(f)} for this action.`],
      };
    }
    case 'request_changes':
      return {
        headline: `Changes requested: ${f.reference} ${f.title}`,
        lead: `${who(f, 'The board')} looked at the evidence for ${ref} (${f.title}) and asks ${agencyName(f)} for changes before it can be signed off.`,
        facts: [
          ['What the board asks for', comment],
          ['Due', f.dueDate ? day(f.dueDate) : null],
        ],
        asks: [
          `What to do now: revise the progress statement or the evidence and send it again from the action's page${f.dueDate ? `, by ${day(f.dueDate)}` : ''}.`,
          'If the due date passes without evidence, the action becomes overdue and is escalated.',
        ],
      };
    case 'close_not_implemented':
      return {
        headline: `Closed as not implemented: ${f.reference} ${f.title}`,
        lead: `${who(f, 'The board')} closed ${ref} (${f.title}) as not implemented. The reason is published in the progress statement.`,
        facts: [['Reason', comment]],
        asks: [`Nothing more is asked of ${agencyName(f)} for this action.`],
      };
    case 'review_withdrawn': {
      // Issue 22: one mail per agency for the whole review, sent by one of its actions' workflows.
      const refs = d.actions || f.reference;
      return {
        headline: `Review withdrawn: ${f.reviewReference}`,
        lead: `${who(f, 'The board')} withdrew the review ${f.reviewReference}. Every open action of ${agencyName(f)} in it is cancelled and will not be chased any more: ${refs}.`,
        facts: [['Reason', comment]],
        asks: [`Nothing more is asked of ${agencyName(f)} for these actions.`],
      };
    }
    case 'cancelled':
      return {
        headline: `Cancelled: ${f.reference} ${f.title}`,
        lead: `${who(f, 'The board')} cancelled ${ref} (${f.title}). It will not be chased any more.`,
        facts: [['Reason', comment]],
        asks: [`Nothing more is asked of ${agencyName(f)} for this action.`],
      };
    case 'reopened': {
      // Issue 22: the board reopened a finished action; it is the agency's again.
      const was = d.was === 'cancelled' ? 'cancelled' : d.was === 'implemented' ? 'closed as implemented' : 'closed';
      return {
        headline: `Reopened: ${f.reference} ${f.title}`,
        lead: `${who(f, 'The board')} reopened ${ref} (${f.title}), which was ${was}. It is with ${agencyName(f)} again.`,
        facts: [
          ['Reason', comment],
          ['Success measure', f.details?.successMeasure],
          ['Due', f.dueDate ? day(f.dueDate) : null],
        ],
        asks: [
          `What to do now: carry on with the action and send the board your progress statement and evidence${f.dueDate ? ` by ${day(f.dueDate)}` : ''}.`,
          'Reminders will come again; if the due date passes without evidence, the action becomes overdue and is escalated.',
        ],
      };
    }
    default:
      return {
        headline: `The board has decided on ${f.reference} ${f.title}`,
        lead: `The board recorded a decision on ${ref} (${f.title}).`,
        facts: [["Board's comment", comment]],
        asks: ["The action's page shows the decision and what is asked next."],
      };
  }
}

const MESSAGES: Record<NotificationRequest['kind'], (req: NotificationRequest, f: MailFacts, now: Date) => Message> = {
  assignment: (r, f) => {
    const within = f.details?.acknowledgeWithin;
    // Issue 18: the mail to a newly named owner says it is theirs now.
    const toOwner = r.audience === 'owner' && f.owner;
    return {
      headline: toOwner
        ? `You are the named owner of ${f.reference}: ${f.title}${f.dueDate ? `, due ${day(f.dueDate)}` : ''}`
        : `New action for ${agencyName(f)}: ${f.title}${f.dueDate ? `, due ${day(f.dueDate)}` : ''}`,
      lead: toOwner
        ? `${f.owner!.name}, you are now the named owner of action ${f.reference} from ${f.reviewReference} (${f.reviewTitle}) for ${agencyName(f)}${f.dueDate ? `. It is due on ${day(f.dueDate)}` : ''}.`
        : `${agencyName(f)} has been given action ${f.reference} from ${f.reviewReference} (${f.reviewTitle})${f.dueDate ? `. It is due on ${day(f.dueDate)}` : ''}.`,
      facts: [
        ...(toOwner ? ([['Owner', r.detail?.owner ?? f.owner!.name]] as Message['facts']) : []),
        ...actionFacts(f),
      ],
      asks: [
        `What to do now: open the action and acknowledge it${within ? ` within ${within}` : ''}, so the board knows your agency has taken it on.`,
        `If it is not acknowledged${within ? ` within ${within}` : ' in time'}, it is escalated to ${LEVEL_WHO[1]}.`,
        `By the due date, send the board a progress statement with evidence that the success measure is met. If you need more time, ask for an extension from the action's page, with the reason and what protects children meanwhile.`,
        ...(f.dueDate ? ['A calendar entry for the due date is attached.'] : []),
      ],
    };
  },
  reminder: (_r, f, now) => ({
    headline: `Reminder: ${f.reference} is due ${f.dueDate ? `${inDays(daysUntil(f.dueDate, now))}, on ${day(f.dueDate)}` : 'soon'}`,
    lead: `Action ${f.reference} (${f.title}) for ${agencyName(f)} is due on ${day(f.dueDate)}.`,
    facts: actionFacts(f),
    asks: [
      f.status === 'assigned'
        ? 'What to do now: acknowledge the action, then send the board your progress statement and evidence before the due date.'
        : 'What to do now: send the board your progress statement and evidence before the due date, or ask for an extension if you need more time.',
      'If the due date passes without evidence, the action becomes overdue and is escalated.',
    ],
  }),
  overdue: (_r, f) => ({
    headline: `Overdue: ${f.reference} was due on ${day(f.dueDate)}`,
    lead: `Action ${f.reference} (${f.title}) for ${agencyName(f)} was due on ${day(f.dueDate)}, and the board has no evidence yet that it is done.`,
    facts: actionFacts(f),
    asks: [
      'What to do now: send your progress statement and evidence, or ask the board for an extension with the reason and the interim measures that protect children meanwhile.',
      `If nothing arrives, it is escalated step by step: to ${LEVEL_WHO[1]}, then ${LEVEL_WHO[2]}, then ${LEVEL_WHO[3]}.`,
    ],
  }),
  escalation: (req, f) => {
    const level = req.escalation?.level ?? 1;
    const reason = req.escalation?.reason ?? 'overdue';
    const board = reason === 'awaiting_board';
    const extension = board && req.occasion.startsWith(EXTENSION_WAIT_OCCASION);
    const why = extension
      ? 'has an extension request that has been waiting too long for the board to decide on it'
      : (REASON_WORDS[reason] ?? REASON_WORDS.overdue)(f);
    return {
      headline: `Escalated to ${levelWho(level)}: ${f.reference} ${REASON_SHORT[reason] ?? 'needs attention'}`,
      lead: `Action ${f.reference} (${f.title}) for ${agencyName(f)} ${why}. This is escalation level ${level} of 3, so ${levelWho(level)} is told.`,
      facts: actionFacts(f),
      asks: extension
        ? [
            "What is needed: a board member decides on the action's page whether to approve or refuse the request for more time.",
          ]
        : board
          ? [
              'What is needed: a board member decides on the evidence, to approve it, ask for changes, or close the action as not implemented with the reason.',
            ]
          : [
              reason === 'not_acknowledged'
                ? 'What is needed: the agency acknowledges the action on its page, which ends this escalation.'
                : reason === 'impact_evidence_missing'
                  ? "What is needed: the agency sends evidence of the action's impact from its page, which ends this escalation."
                  : reason === 'stalled'
                    ? 'What is needed: the agency sends a progress statement or evidence, which ends this escalation.'
                    : 'What is needed: the agency sends its evidence, or asks the board for an extension with the reason and interim measures.',
              level >= 3
                ? 'This is the last step: the chair follows it up with the agency.'
                : `If nothing changes, it is escalated further, to ${levelWho(level + 1)}.`,
            ],
    };
  },
  evidence_submitted: (_r, f) => {
    const e = f.details?.evidence;
    const parts = e
      ? [
          e.files.length ? `${e.files.length} file${e.files.length === 1 ? '' : 's'}` : '',
          e.links ? `${e.links} link${e.links === 1 ? '' : 's'}` : '',
        ]
          .filter(Boolean)
          .join(' and ')
      : '';
    const within = f.details?.boardDecisionWithin;
    return {
      headline: `Evidence to decide on: ${f.reference} from ${agencyName(f)}`,
      lead: `${who(f, 'The agency')} (${agencyName(f)}) sent the board a progress statement${parts ? ` with ${parts}` : ''} for action ${f.reference} (${f.title}).`,
      facts: [
        ['Statement', e ? excerpt(e.statement) : null],
        ['Files', e?.files.length ? e.files.join(', ') : null],
        ['Success measure', f.details?.successMeasure],
        ['Due', f.dueDate ? day(f.dueDate) : null],
      ],
      asks: [
        'What the board needs to do: read the evidence and decide whether to approve it (the action closes as implemented), ask for changes (it goes back to the agency), or close it as not implemented (the reason is published).',
        `If there is no decision${within ? ` within ${within}` : ' in time'}, ${LEVEL_WHO[3]} is told.`,
      ],
    };
  },
  extension_requested: (_r, f) => {
    const x = f.details?.extension;
    const within = f.details?.boardDecisionWithin;
    // Issue 17: from the second request on the same action, the chair has a copy (see recipients()).
    const again = (f.extensionRequests ?? 1) >= 2;
    return {
      headline: `${again ? 'Extension requested again' : 'Extension requested'}: ${f.reference} to ${x ? day(x.newDueDate) : 'a later date'}`,
      lead:
        `${x?.requestedBy ?? who(f, 'The agency')} (${agencyName(f)}) asks to move the due date of action ${f.reference} (${f.title})` +
        (x
          ? ` from ${day(x.previousDueDate)} to ${day(x.newDueDate)}, ${moveWords(x.previousDueDate, x.newDueDate)}.`
          : '.'),
      facts: [
        ['Due now', f.dueDate ? day(f.dueDate) : null],
        ['Reason for the delay', x?.reason],
        ['Interim measures that protect children meanwhile', x?.interimMeasures],
        ['Success measure', f.details?.successMeasure],
      ],
      asks: [
        "What the board needs to do: decide on the action's page whether to approve or refuse the request. Until then the current due date stands.",
        `If there is no decision${within ? ` within ${within}` : ' in time'}, ${LEVEL_WHO[3]} is told.`,
        ...(again
          ? [
              `This is the ${ordinal(f.extensionRequests ?? 2)} request for more time on this action, so ${LEVEL_WHO[3]} has a copy of this mail.`,
            ]
          : []),
      ],
    };
  },
  decision: (req, f) => decisionMessage(req, f),
  // Issue 17: the impact check after approval.
  impact_request: (_r, f) => ({
    headline: `Is the learning embedded? Evidence of impact asked for ${f.reference}`,
    lead: `Action ${f.reference} (${f.title}) for ${agencyName(f)} was closed as implemented. The board now asks whether it made a difference: please send evidence of its impact.`,
    facts: [
      ['What was asked', f.details?.description || f.title],
      ['How impact is measured', impactMeasure(f)],
    ],
    asks: [
      "What to do now: on the action's page, send a short statement of the impact, what was measured and how (for example an audit, a sample of case files or a survey), and any files.",
      `If it does not come, reminders follow and it is escalated step by step: to ${LEVEL_WHO[1]}, then ${LEVEL_WHO[2]}, then ${LEVEL_WHO[3]}.`,
    ],
  }),
  impact_reminder: (_r, f) => ({
    headline: `Reminder: evidence of impact is due for ${f.reference}`,
    lead: `The board is still waiting for evidence that action ${f.reference} (${f.title}) for ${agencyName(f)} made a difference.`,
    facts: [['How impact is measured', impactMeasure(f)]],
    asks: [
      "What to do now: send the evidence of impact from the action's page: a statement, what was measured and how, and any files.",
      'If nothing arrives, it is escalated.',
    ],
  }),
  impact_evidence_submitted: (_r, f) => ({
    headline: `Evidence of impact to decide on: ${f.reference} from ${agencyName(f)}`,
    lead: `${who(f, 'The agency')} (${agencyName(f)}) sent the board evidence of the impact of action ${f.reference} (${f.title}).`,
    facts: [['How impact is measured', impactMeasure(f)]],
    asks: [
      "What the board needs to do: read the evidence on the action's page and decide whether the learning is embedded. If it is not, say why: a follow-up action is created for the same agency.",
    ],
  }),
  impact_decision: (req, f) => {
    const d = req.detail ?? {};
    const comment = d.comment || null;
    switch (d.outcome) {
      case 'evidenced':
        return {
          headline: `Learning embedded: ${f.reference} ${f.title}`,
          lead: `${who(f, 'The board')} looked at the evidence of impact for action ${f.reference} (${f.title}) and found that the learning is embedded.`,
          facts: [["Board's comment", comment]],
          asks: [`Nothing more is asked of ${agencyName(f)} for this action.`],
        };
      case 'not_embedded':
        return {
          headline: `Learning not yet embedded: ${f.reference} ${f.title}`,
          lead: `${who(f, 'The board')} looked at the evidence of impact for action ${f.reference} (${f.title}) and found that the learning is not yet embedded.`,
          facts: [
            ["Board's reason", comment],
            ['Follow-up action', followUpWords(d.followUp)],
          ],
          asks: [
            'What to do now: open the follow-up action, acknowledge it, and send the board evidence by its due date. It has reminders and escalations of its own.',
          ],
        };
      case 'waived':
        return {
          headline: `No impact check needed: ${f.reference} ${f.title}`,
          lead: `${who(f, 'The board')} decided that action ${f.reference} (${f.title}) needs no check of its impact.`,
          facts: [['Reason', comment]],
          asks: [`Nothing more is asked of ${agencyName(f)} for this action.`],
        };
      default:
        return {
          headline: `The board has decided on the impact of ${f.reference} ${f.title}`,
          lead: `The board recorded a decision on the impact of action ${f.reference} (${f.title}).`,
          facts: [["Board's comment", comment]],
          asks: ["The action's page shows the decision and what is asked next."],
        };
    }
  },
  // Issue 20: the chair's challenge to an agency's lead officer or senior manager.
  chair_challenge: (req, f) => ({
    headline: `A challenge from the independent chair: ${f.reference} ${f.title}`,
    lead: `The board's independent chair has looked at the escalation of action ${f.reference} (${f.title}) for ${agencyName(f)} and asks for an answer.`,
    facts: [
      ["The chair's challenge", req.detail?.challenge],
      ['Why it was escalated', req.detail?.escalation?.replace(/_/g, ' ')],
      ['Due', f.dueDate ? day(f.dueDate) : null],
    ],
    asks: [
      "What to do now: reply to the chair (this mail's copy goes to them) with what your agency will do and by when. The chair records your response on the action's page.",
      'Until the chair closes the escalation it stays open, and the board sees it.',
    ],
  }),
  recommendation_complete: (req, f) => {
    // Stryker disable next-line StringLiteral: equivalent; any string that is not a status gives the same fallback words
    const status = req.detail?.status ?? f.status ?? '';
    return {
      headline: `Recommendation ${f.reference} finished: ${RECOMMENDATION_SHORT[status] ?? 'every action closed'}`,
      lead: `Every action under recommendation ${f.reference} of ${f.reviewReference} is closed or cancelled: ${RECOMMENDATION_WORDS[status] ?? 'the progress statement shows how each ended'}.`,
      facts: [],
      asks: ['Nothing is asked. The progress statement shows how each action ended and why.'],
    };
  },
};

export function icsFor(f: MailFacts, link: string, stamp: Date): string {
  const d = f.dueDate!;
  // An all-day event on the due date's local day: calendars show it on that day in any zone.
  const on = dueOn(d);
  const ymd = (date: string) => date.replace(/-/g, '');
  // RFC 5545 3.3.11: backslash, semicolon and comma escaped; every line break (CRLF, CR or LF) is "\n".
  const esc = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Safeguarding Board//Action Plan//EN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:action-${f.actionId}@actionplan`,
    `DTSTAMP:${stamp.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`,
    `DTSTART;VALUE=DATE:${ymd(on)}`,
    `DTEND;VALUE=DATE:${ymd(addDays(on, 1))}`,
    `SUMMARY:${esc(`Due: ${f.reviewReference} ${f.reference} ${f.title}`)}`,
    `DESCRIPTION:${esc(`Action ${f.reviewReference} ${f.reference} is due ${day(d)}. ${link}`)}`,
    `URL:${link}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ]
    .map(foldIcsLine)
    .join('\r\n')
    .concat('\r\n');
}

/** RFC 5545 3.1: lines longer than 75 octets are folded (CRLF and a space), never inside a UTF-8 character. */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    // A continuation line's leading space counts towards its 75 octets.
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function compose(req: NotificationRequest, f: MailFacts, now: Date): ComposedMail {
  const { to, cc } = recipients(req, f);
  const ref = `${f.reviewReference} ${f.reference}`;
  const link = f.actionId ? `${f.publicUrl}/actions/${f.actionId}` : `${f.publicUrl}/reviews`;
  const m = MESSAGES[req.kind](req, f, now);
  const subject = `[${ref}] ${m.headline}`;
  const facts = [
    ['Review', `${f.reviewReference}: ${f.reviewTitle}`],
    [req.kind === 'recommendation_complete' ? 'Recommendation' : 'Action', `${f.reference} ${f.title}`],
    ['Agency', f.agency ? `${f.agency.name} (${f.agency.code})` : null],
    ...m.facts,
    ['Stage', f.actionId && f.status ? (STATUS_LABEL[f.status] ?? null) : null],
  ].filter((x): x is [string, string] => typeof x[1] === 'string' && x[1] !== '');
  const open = f.actionId ? `Open the action: ${link}` : `Open the reviews: ${link}`;
  const text = [
    m.lead,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    ...m.asks.flatMap((a) => [a, '']),
    open,
    '',
  ].join('\n');
  const html =
    `<!doctype html><html><body><h1>${escapeHtml(m.headline)}</h1><p>${escapeHtml(m.lead)}</p>` +
    `<dl>${facts.map(([k, v]) => `<dt><strong>${escapeHtml(k)}</strong></dt><dd style="white-space:pre-wrap">${escapeHtml(v)}</dd>`).join('')}</dl>` +
    m.asks.map((a) => `<p>${escapeHtml(a)}</p>`).join('') +
    `<p><a href="${escapeHtml(link)}">${f.actionId ? `Open action ${escapeHtml(ref)}` : 'Open the reviews'}</a></p></body></html>`;
  return {
    to,
    cc,
    subject,
    text,
    html,
    headers: { 'X-Notification-Kind': req.kind, 'X-Action-Ref': ref },
    ics: req.kind === 'assignment' && f.dueDate ? icsFor(f, link, now) : null,
  };
}

// ---- issue 22: one mail per agency for a whole import ----

/** What the import's summary mail to one agency is composed from (activities/assignment-summary.ts). */
export interface SummaryFacts {
  publicUrl: string;
  reviewReference: string;
  reviewTitle: string;
  reviewId: string;
  agency: { code: string; name: string; leadEmail: string; userEmails: string[] };
  /** Who imported the review (a board member), or null. */
  importedBy: string | null;
  acknowledgeWithin: string | null;
  actions: {
    id: string;
    reference: string;
    title: string;
    description: string | null;
    successMeasure: string | null;
    dueDate: Date;
  }[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The one mail an agency receives for all its actions of an import: each action with what is
 * asked, its success measure, its due date and its link, and a calendar entry per action.
 */
export function composeAssignmentSummary(f: SummaryFacts, now: Date): ComposedMail {
  const n = f.actions.length;
  const dues = f.actions.map((a) => a.dueDate.getTime());
  const first = new Date(Math.min(...dues));
  const last = new Date(Math.max(...dues));
  const span = dueOn(first) === dueOn(last) ? `due ${day(first)}` : `due between ${day(first)} and ${day(last)}`;
  const headline = `${plural(n, 'new action')} for ${f.agency.name}, ${span}`;
  const subject = `[${f.reviewReference}] ${headline}`;
  const within = f.acknowledgeWithin;
  const lead =
    `${f.importedBy ?? 'The board'} imported the action plan of ${f.reviewReference} (${f.reviewTitle}). ` +
    `${f.agency.name} has been given ${n === 1 ? 'the action below' : `the ${n} actions below`}, listed with what is asked, ` +
    `the success measure and the due date of each.`;
  const link = (id: string) => `${f.publicUrl}/actions/${id}`;
  const items = f.actions.map((a) => ({
    a,
    lines: [
      ['What is asked', a.description || null],
      ['Success measure', a.successMeasure],
      ['Due', day(a.dueDate)],
    ].filter((x): x is [string, string] => typeof x[1] === 'string' && x[1] !== ''),
  }));
  const asks = [
    `What to do now: open each action and acknowledge it${within ? ` within ${within}` : ''}, so the board knows your agency has taken it on.`,
    `If an action is not acknowledged${within ? ` within ${within}` : ' in time'}, it is escalated to ${LEVEL_WHO[1]}.`,
    "By each due date, send the board a progress statement with evidence that the success measure is met. If you need more time, ask for an extension from the action's page, with the reason and what protects children meanwhile.",
    `${n === 1 ? 'A calendar entry for the due date is' : `A calendar entry for each of the ${n} due dates is`} attached.`,
  ];
  const reviewLink = `${f.publicUrl}/reviews/${f.reviewId}`;
  const text = [
    lead,
    '',
    `Review: ${f.reviewReference}: ${f.reviewTitle}`,
    `Agency: ${f.agency.name} (${f.agency.code})`,
    '',
    ...items.flatMap(({ a, lines }) => [
      `Action ${a.reference}: ${a.title}`,
      ...lines.map(([k, v]) => `  ${k}: ${v}`),
      `  Open the action: ${link(a.id)}`,
      '',
    ]),
    ...asks.flatMap((x) => [x, '']),
    `Open the review: ${reviewLink}`,
    '',
  ].join('\n');
  const html =
    `<!doctype html><html><body><h1>${escapeHtml(headline)}</h1><p>${escapeHtml(lead)}</p>` +
    `<dl><dt><strong>Review</strong></dt><dd>${escapeHtml(`${f.reviewReference}: ${f.reviewTitle}`)}</dd>` +
    `<dt><strong>Agency</strong></dt><dd>${escapeHtml(`${f.agency.name} (${f.agency.code})`)}</dd></dl>` +
    items
      .map(
        ({ a, lines }) =>
          `<h2>${escapeHtml(`Action ${a.reference}: ${a.title}`)}</h2><dl>` +
          lines
            .map(
              ([k, v]) =>
                `<dt><strong>${escapeHtml(k)}</strong></dt><dd style="white-space:pre-wrap">${escapeHtml(v)}</dd>`,
            )
            .join('') +
          `</dl><p><a href="${escapeHtml(link(a.id))}">${escapeHtml(`Open action ${f.reviewReference} ${a.reference}`)}</a></p>`,
      )
      .join('') +
    asks.map((x) => `<p>${escapeHtml(x)}</p>`).join('') +
    `<p><a href="${escapeHtml(reviewLink)}">${escapeHtml(`Open the review ${f.reviewReference}`)}</a></p></body></html>`;
  const icsFiles = f.actions.map((a) => ({
    filename: `due-${f.reviewReference}-${a.reference}.ics`.replace(/[^A-Za-z0-9._-]+/g, '-'),
    content: icsFor(
      {
        publicUrl: f.publicUrl,
        boardChairEmail: '',
        reviewReference: f.reviewReference,
        reviewTitle: f.reviewTitle,
        reference: a.reference,
        title: a.title,
        actionId: a.id,
        agency: null,
        boardEmails: [],
        dueDate: a.dueDate,
        status: 'assigned',
      },
      link(a.id),
      now,
    ),
  }));
  return {
    to: agencyAudience(f.agency),
    cc: [],
    subject,
    text,
    html,
    headers: {
      'X-Notification-Kind': 'assignment',
      'X-Action-Ref': `${f.reviewReference} ${f.actions.map((a) => a.reference).join(', ')}`,
      'X-Import-Actions': String(n),
    },
    ics: null,
    icsFiles,
  };
}
