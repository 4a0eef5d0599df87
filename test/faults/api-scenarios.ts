/**
 * The API-level fault scenarios on the real-stack app harness (test/api/stack.ts):
 * concurrent duplicates, and a fuzz over every write route. Shared by the jest tests and the soak.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { fixture, type Fixture, type Stage } from '../api/fixtures';
import { ROUTE_CASES } from '../api/route-table';
import { CALLERS, inDays, QUIET_POLICY, type ApiStack, type Caller } from '../api/stack';
import { stateQuery } from '../../workflows/messages';
import type { ScenarioReport } from './scenarios';

type Log = (line: string) => void;

async function count(stack: ApiStack, query: string): Promise<number> {
  const r = (await stack.db.db.execute(sql.raw(query))) as unknown as { rows: { n: number }[] };
  return r.rows[0].n;
}

/** 5. The same thing twice at once: exactly one wins, the other gets the documented answer, no double rows. */
export async function concurrentDuplicates(
  stack: ApiStack,
  opts: { rounds: number },
  log: Log,
): Promise<ScenarioReport> {
  const problems: string[] = [];
  const tally: Record<string, number> = {};
  const seen = (k: string) => (tally[k] = (tally[k] ?? 0) + 1);
  for (let r = 0; r < opts.rounds; r++) {
    // The same evidence twice at once: one 200, one 409 (the first moved the action to under_review).
    const a = await fixture(stack, 'in_progress');
    const ev = () =>
      stack.post(`/api/v1/actions/${a.actionId}/evidence`, 'owner').send({ statement: 'Policy rewritten' });
    const evs = (await Promise.all([ev(), ev()])).map((x) => x.status).sort();
    seen(`evidence ${evs.join('+')}`);
    if (evs.join() !== '200,409') problems.push(`same evidence twice at once: ${evs.join(', ')}`);
    const evRows = await count(stack, `select count(*)::int as n from evidence where action_id = '${a.actionId}'`);
    if (evRows !== 1) problems.push(`same evidence twice at once: ${evRows} evidence rows`);

    // Two board decisions at once (different members, different outcomes): one 200, one 409.
    const b = await fixture(stack, 'under_review');
    const [d1, d2] = await Promise.all([
      stack.post(`/api/v1/actions/${b.actionId}/decision`, 'board').send({ outcome: 'approve', comment: 'Good' }),
      stack
        .post(`/api/v1/actions/${b.actionId}/decision`, 'board')
        .send({ outcome: 'request_changes', comment: 'Add the audit' }),
    ]);
    const ds = [d1.status, d2.status].sort();
    seen(`decision ${ds.join('+')}`);
    if (ds.join() !== '200,409') problems.push(`two decisions at once: ${ds.join(', ')}`);
    const winner = d1.status === 200 ? d1 : d2;
    const dRows = await count(stack, `select count(*)::int as n from decisions where action_id = '${b.actionId}'`);
    if (dRows !== 1) problems.push(`two decisions at once: ${dRows} decision rows`);
    const status = (
      (await stack.db.db.execute(sql.raw(`select status from actions where id = '${b.actionId}'`))) as unknown as {
        rows: { status: string }[];
      }
    ).rows[0].status;
    if (status !== winner.body.status)
      problems.push(`two decisions at once: row says ${status}, the winner was told ${winner.body.status}`);

    // The same Idempotency-Key twice at once: one runs; the other is a 409 "still in progress" or,
    // if it came second, a replay of the same 200. Either way one evidence row.
    const c = await fixture(stack, 'in_progress');
    const key = `dup-${randomUUID()}`;
    const idem = () =>
      stack
        .post(`/api/v1/actions/${c.actionId}/evidence`, 'owner')
        .set('Idempotency-Key', key)
        .send({ statement: 'Policy rewritten' });
    const [i1, i2] = await Promise.all([idem(), idem()]);
    const answers = [i1, i2]
      .map((x) =>
        x.status === 200
          ? x.headers['idempotent-replayed']
            ? '200-replay'
            : '200'
          : x.status === 409 && /still in progress/.test(x.body.detail)
            ? '409-in-progress'
            : String(x.status),
      )
      .sort();
    seen(`idempotency-key ${answers.join('+')}`);
    if (!(answers.join() === '200,409-in-progress' || answers.join() === '200,200-replay'))
      problems.push(`same Idempotency-Key twice at once: ${answers.join(', ')}`);
    const iRows = await count(stack, `select count(*)::int as n from evidence where action_id = '${c.actionId}'`);
    if (iRows !== 1) problems.push(`same Idempotency-Key twice at once: ${iRows} evidence rows`);
    const replay = await idem();
    if (replay.status !== 200 || replay.headers['idempotent-replayed'] !== 'true')
      problems.push(`same Idempotency-Key afterwards: ${replay.status}, not a replay`);

    // The same review created twice at once with one key: one review row.
    const ref = `DUP-${randomUUID().slice(0, 8)}`;
    const rkey = `rev-${randomUUID()}`;
    const body = {
      reference: ref,
      title: 'Duplicate',
      policy: QUIET_POLICY,
      recommendations: [
        { number: '1', text: 'Share', actions: [{ agencyCode: 'BHT', title: 'Do it', dueDate: inDays(60) }] },
      ],
    };
    const rev = () => stack.post('/api/v1/reviews', 'board').set('Idempotency-Key', rkey).send(body);
    const rs = (await Promise.all([rev(), rev()])).map((x) => x.status).sort();
    seen(`review+key ${rs.join('+')}`);
    if (!(rs.join() === '201,409' || rs.join() === '201,201'))
      problems.push(`same review and key twice at once: ${rs.join(', ')}`);
    const rRows = await count(stack, `select count(*)::int as n from reviews where reference = '${ref}'`);
    const aRows = await count(
      stack,
      `select count(*)::int as n from actions a join reviews r on r.id = a.review_id where r.reference = '${ref}'`,
    );
    if (rRows !== 1 || aRows !== 1)
      problems.push(`same review twice at once: ${rRows} review rows, ${aRows} action rows`);
  }
  log(`duplicates: ${JSON.stringify(tally)}`);
  return {
    scenario: 'concurrent duplicates',
    did: { rounds: opts.rounds, pairs: opts.rounds * 4 },
    found: { actions: 0, auditEvents: 0, outboxRows: 0, mailsAtSmtp: 0, lost: 0, duplicates: 0, strays: 0, ...tally },
    problems,
  };
}

// ---- fuzz ----

/**
 * Text a hostile user or a paste from a PDF sends: what cannot be stored (NUL, lone surrogates),
 * and what can but is awkward (bidi overrides, 100 kB, emoji, mixed scripts, other controls).
 */
export const HOSTILE_TEXT = [
  'before\u0000after',
  '\u0000',
  'lone \ud800 high',
  'lone \udc00 low',
  '\udfff\ud800',
  'bidi \u202Eevil\u202C \u2066isolate\u2069',
  'x'.repeat(100_000),
  '😀👩‍👩‍👧 emoji',
  'Ελληνικά 中文 العربية हिन्दी ру́сский',
  'tab\tand\nnew line\r\n\u0007\u001b[31m',
  '\uFEFFbom',
];
export const hostileText = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string(), fc.constantFrom(...HOSTILE_TEXT), fc.string())
      .map(([a, b, c]) => `${a}${b.slice(0, 200)}${c}`),
  },
);

const JUNK: unknown[] = [
  '',
  ' ',
  'x'.repeat(5000),
  -1,
  0,
  Number.MAX_VALUE,
  null,
  true,
  [],
  {},
  '2025-02-30',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; drop table actions; --",
  '\u0000',
  '😀',
  { $gt: '' },
  ['approve'],
  'approve ',
  'APPROVE',
];

export const junk = fc.oneof(
  fc.constantFrom(...JUNK),
  hostileText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
);
const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: junk });
const email = fc.oneof(fc.emailAddress(), junk);
// Far off too: 9999-12-31 once reached the calendar, which cannot place the day after it (a 500).
const date = fc.oneof(
  fc.constantFrom(inDays(30), inDays(-3), inDays(400), '2030-01-01T00:00:00Z', '9999-12-31', '2100-01-01T00:00:00Z'),
  junk,
);

/** Bodies shaped like each route's, with every field sometimes valid, sometimes junk, sometimes extra. */
const BODIES: Record<string, fc.Arbitrary<unknown>> = {
  '/api/v1/agencies': fc.record(
    { code: field(fc.stringMatching(/^[A-Z]{2,6}$/)), name: field(hostileText), leadEmail: email, seniorEmail: email },
    { requiredKeys: [] },
  ),
  '/api/v1/users': fc.record(
    {
      name: field(hostileText),
      email,
      role: field(fc.constantFrom('admin', 'board', 'agency', 'chair', 'inspector')),
      agencyCode: field(fc.constantFrom('BHT', 'TVP', 'NOPE')),
      expiresOn: date,
    },
    { requiredKeys: [] },
  ),
  '/api/v1/reviews': fc.record(
    {
      reference: field(fc.stringMatching(/^FZ-[A-Z0-9]{6}$/)),
      title: field(hostileText),
      publishedOn: date,
      policy: field(
        fc.record(
          { acknowledgeWithin: field(fc.constantFrom('P30D', 'PT2S')), remindBefore: field(fc.constant([])) },
          { requiredKeys: [] },
        ),
      ),
      recommendations: field(
        fc.array(
          fc.record(
            {
              number: field(fc.constant('1')),
              text: field(hostileText),
              actions: field(
                fc.array(
                  fc.record({ agencyCode: field(fc.constant('BHT')), title: field(hostileText), dueDate: date }),
                  { maxLength: 2 },
                ),
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/reviews/import': fc.record(
    { reference: field(hostileText), title: field(hostileText) },
    { requiredKeys: [] },
  ),
  // Issue 22: the check before importing takes the import's fields (and creates nothing either way).
  '/api/v1/reviews/import/check': fc.record(
    { reference: field(hostileText), title: field(hostileText), assignmentMail: field(hostileText) },
    { requiredKeys: [] },
  ),
  // The file itself is not fuzzed here (test/api/progress-sheet.test.ts sends bad sheets); a text field named file is refused.
  '/api/v1/reviews/:id/progress-sheet': fc.record({ file: field(hostileText) }, { requiredKeys: [] }),
  '/api/v1/actions/:id/acknowledge': fc.oneof(
    fc.constant(undefined),
    fc.constant({}),
    fc.dictionary(fc.string(), junk, { maxKeys: 2 }),
  ),
  '/api/v1/actions/:id/evidence': fc.record(
    {
      statement: field(hostileText),
      links: field(
        fc.array(
          fc.oneof(
            fc.webUrl(),
            fc.webUrl().chain((u) => hostileText.map((t) => `${u}/${t.slice(0, 50)}`)),
            junk,
          ),
          { maxLength: 3 },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/decision': fc.record(
    {
      outcome: field(fc.constantFrom('approve', 'request_changes', 'close_not_implemented')),
      comment: field(hostileText),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/extension-requests': fc.record(
    { newDueDate: date, reason: field(hostileText), interimMeasures: field(hostileText) },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/extension-requests/:rid/decision': fc.record(
    { outcome: field(fc.constantFrom('approve', 'reject')), comment: field(hostileText) },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/cancel': fc.record({ reason: field(hostileText) }, { requiredKeys: [] }),
  // Issue 22: reopening and the agency's withdrawals.
  '/api/v1/actions/:id/reopen': fc.record({ reason: field(hostileText), newDueDate: date }, { requiredKeys: [] }),
  '/api/v1/actions/:id/extension-requests/:rid/withdraw': fc.oneof(fc.constant({}), junk),
  // Issue 22: the board's corrections (an action id where a review or recommendation is asked: 404).
  '/api/v1/actions/:id/due-date': fc.record({ dueDate: date, reason: field(hostileText) }, { requiredKeys: [] }),
  '/api/v1/actions/:id/wording': fc.record(
    {
      title: field(hostileText),
      description: field(hostileText),
      successMeasure: field(hostileText),
      reason: field(hostileText),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/reassign': fc.record(
    { agencyCode: field(fc.constantFrom('BHT', 'BCC', 'TVP', 'NOPE', '')) },
    { requiredKeys: [] },
  ),
  '/api/v1/recommendations/:id/actions': fc.record(
    { agencyCode: field(fc.constantFrom('BHT', 'NOPE')), title: field(hostileText), dueDate: date },
    { requiredKeys: [] },
  ),
  '/api/v1/recommendations/:id/wording': fc.record(
    { text: field(hostileText), reason: field(hostileText) },
    { requiredKeys: [] },
  ),
  '/api/v1/reviews/:id/withdraw': fc.record({ reason: field(hostileText) }, { requiredKeys: [] }),
  '/api/v1/actions/:id/evidence/:eid/withdraw': fc.oneof(fc.constant({}), junk),
  '/api/v1/actions/:id/updates': fc.record(
    {
      statement: field(hostileText),
      percentComplete: field(fc.oneof(fc.integer({ min: -50, max: 150 }), fc.double(), fc.string())),
      rag: field(fc.constantFrom('green', 'amber', 'red', 'complete', 'blue')),
      ragReason: field(hostileText),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/impact-evidence': fc.record(
    {
      statement: field(hostileText),
      method: field(fc.constantFrom('audit', 'survey', 'case_file_sample', 'guess')),
      links: field(fc.array(fc.webUrl(), { maxLength: 3 })),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/actions/:id/impact-decision': fc.record(
    {
      outcome: field(fc.constantFrom('evidenced', 'not_embedded', 'waived', 'approve')),
      comment: field(hostileText),
      followUpDueDate: date,
      followUpTitle: field(hostileText),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/calendar/bank-holidays': fc.record(
    {
      date: field(
        fc
          .date({ min: new Date('2040-01-01'), max: new Date('2090-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
      ),
      title: field(hostileText),
      replaces: field(fc.constantFrom('2027-05-03', '2027-05-04', '2026-12-25')),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/users/:id/deactivate': fc.record({ reason: field(hostileText) }, { requiredKeys: [] }),
  // Issue 18: owners and cover.
  '/api/v1/actions/:id/owner': fc.record(
    { ownerId: field(fc.oneof(fc.constant(null), fc.uuid(), hostileText)) },
    { requiredKeys: [] },
  ),
  '/api/v1/me/cover': fc.record(
    {
      deputyId: field(fc.oneof(fc.uuid(), hostileText)),
      from: date,
      to: date,
      copyMe: field(fc.boolean()),
      userId: field(fc.uuid()),
    },
    { requiredKeys: [] },
  ),
  // Issue 20: the chair's steps (an action id in the path names no escalation: 404 for the chair).
  '/api/v1/escalations/:id/challenge': fc.record(
    { text: field(hostileText), to: field(fc.constantFrom('lead', 'senior', 'chair')) },
    { requiredKeys: [] },
  ),
  '/api/v1/escalations/:id/response': fc.record({ text: field(hostileText) }, { requiredKeys: [] }),
  '/api/v1/escalations/:id/resolve': fc.record({ comment: field(hostileText) }, { requiredKeys: [] }),
  '/api/v1/escalations/:id/retime': fc.record({ until: date, comment: field(hostileText) }, { requiredKeys: [] }),
  '/api/v1/themes': fc.record(
    {
      code: field(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)),
      label: field(hostileText),
      active: field(fc.boolean()),
    },
    { requiredKeys: [] },
  ),
  '/api/v1/review-types/:type/policy': fc.record(
    {
      acknowledgeWithin: field(fc.constantFrom('P5D', 'PT1S', '5 working days', 'P0D')),
      deliverAt: field(hostileText),
    },
    { requiredKeys: [] },
  ),
};

/**
 * The stack the fuzzes run on: production's policy rule (no duration under PT1M). A review or a
 * type default the fuzz gets accepted with PT1S would fire escalations every second, and their
 * rows would land during later requests, which would then look like refused requests that
 * changed rows.
 */
export const FUZZ_STACK_OPTIONS = { env: { ALLOW_SHORT_POLICIES: '0' } };

/**
 * A fingerprint of every table a request could write (row count and a hash of the rows), for
 * "a refused request changes no row"; the outbox, rate limits and the workers' failure records
 * are left out (they move on their own: mail retries, limits count refusals, failures are
 * telemetry). `settle` waits until the rows, the outbox included, stop moving.
 */
export async function rowFingerprint(
  stack: ApiStack,
): Promise<{ fingerprint: () => Promise<string>; settle: () => Promise<void> }> {
  const tables = (
    (await stack.db.db.execute(
      sql`select relname as t from pg_stat_user_tables where schemaname = 'public' and relname not in ('__drizzle_migrations', 'notifications', 'digest_items', 'rate_limits', 'activity_failure_counts', 'projection_failures', 'worker_heartbeats') order by relname`,
    )) as unknown as { rows: { t: string }[] }
  ).rows.map((r) => r.t);
  const fingerprintSql = sql.raw(
    tables
      .map(
        (t) =>
          `select '${t}' as t, count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${t}" x`,
      )
      .join(' union all '),
  );
  const fingerprint = async () =>
    JSON.stringify(((await stack.db.db.execute(fingerprintSql)) as unknown as { rows: unknown[] }).rows);
  const withOutbox = async () =>
    `${await fingerprint()}${await count(stack, 'select count(*)::int as n from notifications')}:${await count(stack, `select count(*)::int as n from notifications where status = 'sent'`)}`;
  // Quiet for 1.5 s: an accepted change can set off more work after its answer (a closed action
  // tells its recommendation, which may complete), with gaps between the rows it writes on a
  // loaded machine.
  const settle = async () => {
    let last = await withOutbox();
    for (let still = 0; still < 5;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await withOutbox();
      still = now === last ? still + 1 : 0;
      last = now;
    }
  };

  return { fingerprint, settle };
}

/** Which tables differ between two fingerprints, with their row counts: what a refused request seems to have changed. */
export function changedTables(before: string, after: string): string {
  const rows = (f: string) => new Map((JSON.parse(f) as { t: string; n: number; h: string }[]).map((r) => [r.t, r]));
  const a = rows(before);
  return [...rows(after).values()]
    .filter((r) => a.get(r.t)?.h !== r.h)
    .map((r) => `${r.t} (${a.get(r.t)?.n ?? 0} -> ${r.n} rows)`)
    .join(', ');
}

/**
 * Write routes the fuzz leaves out: POST /api/v1/tokens succeeds for any caller and revokes the
 * very token the other requests of the run are made with. test/api/tokens.test.ts covers it.
 */
const NOT_FUZZED = new Set(['/api/v1/tokens']);

interface FuzzRequest {
  path: string;
  caller: Caller;
  id: string;
  rid: string;
  encoding: 'json' | 'raw' | 'text' | 'form' | 'multipart' | 'multipart-bad' | 'none';
  body: unknown;
  raw: string;
  idempotencyKey: string | undefined;
}

/**
 * 7. Fuzz over every write route: never a 5xx, a refused request changes no row, no request
 * waits longer than `boundMs` (one that does is named, the run goes on), and afterwards every
 * action touched has its row equal to its workflow's state.
 */
export async function fuzzWriteRoutes(
  stack: ApiStack,
  opts: { requests: number; seed?: number; boundMs?: number },
  log: Log,
): Promise<ScenarioReport> {
  const boundMs = opts.boundMs ?? 30_000;
  const writePaths = ROUTE_CASES.filter((r) => r.method === 'post' && !NOT_FUZZED.has(r.path)).map((r) => r.path);
  const missing = writePaths.filter((p) => !BODIES[p]);
  if (missing.length) throw new Error(`no fuzz bodies for ${missing.join(', ')}`);
  const stages: Stage[] = ['assigned', 'in_progress', 'under_review', 'extension_pending'];
  const fixtures: Fixture[] = [];
  for (const s of stages) for (let i = 0; i < 3; i++) fixtures.push(await fixture(stack, s));
  const ids = [
    ...fixtures.map((f) => f.actionId),
    randomUUID(),
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    '%2e%2e',
    'x'.repeat(300),
  ];
  const rids = [...fixtures.flatMap((f) => (f.extensionId ? [f.extensionId] : [])), randomUUID(), 'nope'];

  const request: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...writePaths).chain((path) =>
    fc.record({
      path: fc.constant(path),
      caller: fc.constantFrom(...CALLERS),
      id: fc.constantFrom(...ids),
      rid: fc.constantFrom(...rids),
      encoding: fc.constantFrom('json', 'json', 'json', 'raw', 'text', 'form', 'multipart', 'multipart-bad', 'none'),
      body: BODIES[path],
      raw: fc.oneof(
        fc.constantFrom('{', '{"a":', '[1,2', 'null', '"x"', '{"statement":"a","statement":1}', '\u0000\u0001'),
        fc.string(),
      ),
      idempotencyKey: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.oneof(fc.uuid(), fc.constantFrom('', ' ', 'k'.repeat(300), 'ü', 'fixed-key')) },
      ),
    }),
  );
  const samples = fc.sample(request, { numRuns: opts.requests, seed: opts.seed ?? 7 });

  const server = http.createServer(stack.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { fingerprint, settle } = await rowFingerprint(stack);

  const statuses: Record<string, number> = {};
  const problems: string[] = [];
  let refused = 0;
  let accepted = 0;
  let changedByRefused = 0;
  let slowest = 0;
  const t0 = Date.now();
  try {
    for (const [n, q] of samples.entries()) {
      const url =
        base +
        q.path
          .replace(':id', encodeURIComponent(q.id))
          .replace(':rid', encodeURIComponent(q.rid))
          .replace(':eid', encodeURIComponent(q.rid))
          .replace(':type', q.id.length % 2 ? 'scr' : encodeURIComponent(q.id));
      const headers: Record<string, string> = { ...stack.auth(q.caller) };
      if (q.idempotencyKey !== undefined) headers['Idempotency-Key'] = q.idempotencyKey;
      let body: string | undefined;
      if (q.encoding === 'json') {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(q.body) ?? 'null';
      } else if (q.encoding === 'raw') {
        headers['Content-Type'] = 'application/json';
        body = q.raw;
      } else if (q.encoding === 'text') {
        headers['Content-Type'] = 'text/plain';
        body = q.raw;
      } else if (q.encoding === 'form') {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(
          Object.entries((q.body as Record<string, unknown>) ?? {}).map(([k, v]): [string, string] => [
            k,
            typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
          ]),
        ).toString();
      } else if (q.encoding === 'multipart') {
        headers['Content-Type'] = 'multipart/form-data; boundary=fuzzfuzz';
        const fields = Object.entries((q.body as Record<string, unknown>) ?? {}).flatMap(([k, v]) =>
          Array.isArray(v) ? v.map((x) => [k, x] as const) : [[k, v] as const],
        );
        body = `${fields.map(([k, v]) => `--fuzzfuzz\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${typeof v === 'string' ? v : (JSON.stringify(v) ?? '')}\r\n`).join('')}--fuzzfuzz--\r\n`;
      } else if (q.encoding === 'multipart-bad') {
        headers['Content-Type'] = 'multipart/form-data; boundary=xyz';
        body = `--xyz\r\nContent-Disposition: form-data; name="statement"\r\n\r\n${q.raw}\r\n`;
      }
      const before = await fingerprint();
      let status = 0;
      let text = '';
      const started = Date.now();
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(boundMs) });
        status = res.status;
        text = await res.text();
      } catch (err) {
        text = (err as Error).name === 'TimeoutError' ? `no answer within ${boundMs} ms (hung)` : String(err);
      }
      const took = Date.now() - started;
      slowest = Math.max(slowest, took);
      if (took > boundMs && status !== 0)
        problems.push(
          `request #${n} took ${took} ms (over ${boundMs}): POST ${q.path} ${JSON.stringify(q.body)?.slice(0, 200)}`,
        );
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 500 || status === 0)
        problems.push(
          `request #${n}: ${status} for ${JSON.stringify({ ...q, raw: q.raw.slice(0, 80) }).slice(0, 600)}: ${text.slice(0, 300)}`,
        );
      if (status >= 400 || status === 0) {
        refused += 1;
        const after = await fingerprint();
        if (after !== before) {
          changedByRefused += 1;
          problems.push(
            `request #${n}: refused ${status} changed rows of ${changedTables(before, after)}: ${JSON.stringify({ ...q, raw: q.raw.slice(0, 80) }).slice(0, 400)}`,
          );
        }
      } else {
        accepted += 1;
        await settle();
      }
      if ((n + 1) % 1000 === 0)
        log(`fuzz: ${n + 1} requests, ${accepted} accepted, statuses ${JSON.stringify(statuses)}`);
      if (problems.length > 20) break;
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  // Every action the run could have touched: its row is what its workflow says.
  await settle();
  let inconsistent = 0;
  for (const f of fixtures) {
    const state = await stack.client.workflow.getHandle(`action-${f.actionId}`).query(stateQuery);
    const { rows } = (await stack.db.db.execute(
      sql.raw(`select status, projected_seq from actions where id = '${f.actionId}'`),
    )) as unknown as { rows: { status: string; projected_seq: number }[] };
    if (rows[0]?.status !== state.stage || rows[0]?.projected_seq !== state.seq) {
      inconsistent += 1;
      problems.push(`action ${f.actionId}: row ${JSON.stringify(rows[0])}, workflow ${state.stage} seq ${state.seq}`);
    }
  }
  const fiveXX = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 500)
    .reduce((x, [, n]) => x + n, 0);
  log(
    `fuzz: ${samples.length} requests over ${writePaths.length} write routes in ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(statuses)}`,
  );
  return {
    scenario: 'fuzz over every write route',
    did: {
      requests: samples.length,
      writeRoutes: writePaths.length,
      seconds: Math.round((Date.now() - t0) / 1000),
      seed: opts.seed ?? 7,
      slowestMs: slowest,
    },
    found: {
      actions: 0,
      auditEvents: 0,
      outboxRows: 0,
      mailsAtSmtp: 0,
      lost: 0,
      duplicates: 0,
      strays: 0,
      http5xx: fiveXX,
      refused,
      accepted,
      refusedThatChangedRows: changedByRefused,
      inconsistentActions: inconsistent,
      ...Object.fromEntries(Object.entries(statuses).map(([s, n]) => [`status${s}`, n])),
    },
    problems,
  };
}
