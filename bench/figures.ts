/**
 * The benchmark figures (docs/BENCHMARKS.md). Each is measured beside its baseline in the same run (the machines
 * are noisy, so only the ratio is comparable between runs), and returns a table row plus details.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { hashToken } from '../api/http/auth';
import { readModelVersionOf } from '../api/queries/action-list-cache';
import { insertSession } from '../api/queries/sessions';
import { SESSION_COOKIE } from '../api/web/session';
import { acknowledgeAction } from '../api/use-cases/actions';
import { actions, recommendations, reviews } from '../db/schema';
import { finishSignal, noopUpdate } from './noop-workflows';
import { actionCount, makeReview, projectedCount } from './scenario';
import type { BenchStack } from './stack';
import { fullGc, memory, pool, round, sleep, summarize, until, type Summary } from './stats';

export interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  pass: boolean | null;
}

export interface FigureResult {
  row: Row;
  details: Record<string, unknown>;
}

const ms = (x: number) => `${round(x, 1)} ms`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const tag = () => randomBytes(3).toString('hex');

// ---------------------------------------------------------------- (1) throughput

export async function throughput(
  stack: BenchStack,
  o: { perRound: number; rounds: number; log: (l: string) => void },
): Promise<FigureResult> {
  const { client, taskQueue } = stack;
  const perReview = 50;
  let noopN = 0;
  let noopMs = 0;
  let actN = 0;
  let actMs = 0;
  let acceptedMs = 0;
  for (let r = 0; r < o.rounds; r++) {
    // Baseline: bare no-op workflows, started 20 at a time, counted when each has run (completed).
    const t = tag();
    let t0 = Date.now();
    const handles = await pool(range(o.perRound), 20, (i) =>
      client.workflow.start('noopWorkflow', { taskQueue, workflowId: `noop-${t}-${i}`, args: [] }),
    );
    await pool(handles, 50, (h) => h.result());
    noopMs += Date.now() - t0;
    noopN += o.perRound;

    // Ours: reviews of 50 actions (5 recommendations x 10) through createReview, 4 at a time,
    // counted when every action workflow has run its first task (the assignment is projected).
    t0 = Date.now();
    const made = await pool(range(Math.ceil(o.perRound / perReview)), 4, () =>
      makeReview(stack, { actions: perReview, prefix: 'TPUT' }),
    );
    acceptedMs += Date.now() - t0;
    const total = made.reduce((n, m) => n + m.actions.length, 0);
    await until(
      async () =>
        (await projectedCount(
          stack,
          made.map((m) => m.id),
        )) >= total,
      600_000,
      100,
      'action workflows started',
    );
    actMs += Date.now() - t0;
    actN += total;
    o.log(`  round ${r + 1}: no-op ${round((o.perRound / 1) * 1, 0)} workflows, ${total} action workflows`);
  }
  const noopRate = noopN / (noopMs / 1000);
  const actRate = actN / (actMs / 1000);
  const ratio = actRate / noopRate;
  return {
    row: {
      figure: '1. action workflows started/s (createReview)',
      value: `${round(actRate)} /s`,
      baseline: `${round(noopRate)} /s no-op`,
      ratio: `${round(ratio, 2)}x`,
      target: '>= 0.8x',
      pass: ratio >= 0.8,
    },
    details: {
      actionWorkflows: actN,
      actionSeconds: round(actMs / 1000, 2),
      actionWorkflowsPerSecond: round(actRate, 1),
      createReviewReturnedPerSecond: round(actN / (acceptedMs / 1000), 1),
      noopWorkflows: noopN,
      noopSeconds: round(noopMs / 1000, 2),
      noopWorkflowsPerSecond: round(noopRate, 1),
      ratio: round(ratio, 3),
      method:
        'no-op: 20 starts in flight, counted at completion; ours: reviews of 50 actions, 4 createReview calls in flight, counted when every assignment is projected',
    },
  };
}

// ---------------------------------------------------------------- (2) evidence latency, (6) report

export interface EvidenceReview {
  id: string;
  actionIds: string[];
}

/** A 200-action review, all owned by BHT; the first `acknowledge` of them acknowledged (in progress). */
export async function prepareEvidenceReview(stack: BenchStack, acknowledge: number): Promise<EvidenceReview> {
  const review = await makeReview(stack, { actions: 200, perRecommendation: 20, agencyCode: 'BHT', prefix: 'EVID' });
  await until(
    async () => (await projectedCount(stack, [review.id])) >= review.actions.length,
    300_000,
    200,
    'evidence review started',
  );
  const ids = review.actions.map((a) => a.id);
  await pool(ids.slice(0, acknowledge), 4, (id) => acknowledgeAction(stack.deps, stack.agencyUser.actor, id));
  return { id: review.id, actionIds: ids };
}

export async function evidenceLatency(
  stack: BenchStack,
  review: EvidenceReview,
  o: { samples: number; warmup: number },
): Promise<FigureResult> {
  const handle = await stack.client.workflow.start('noopUpdateWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `noop-update-${tag()}`,
    args: [],
  });
  const evidence: number[] = [];
  const bare: number[] = [];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < o.samples + o.warmup; i++) {
    // Interleaved, one at a time, so both see the same machine at the same moment.
    let t0 = performance.now();
    const res = await fetch(`${stack.baseUrl}/api/v1/actions/${review.actionIds[i]}/evidence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.agencyUser.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        statement: `Progress statement ${i}: the protocol was revised, staff trained and audited.`,
        links: ['https://example.org/audit'],
      }),
    });
    await res.arrayBuffer();
    const e = performance.now() - t0;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    t0 = performance.now();
    await handle.executeUpdate(noopUpdate, { args: ['x'] });
    const b = performance.now() - t0;
    if (i >= o.warmup) {
      evidence.push(e);
      bare.push(b);
    }
  }
  // Where the difference goes: how long the worker held the workflow task that completed each
  // Update (the server round trip is the same for both; this is our code, the projection included).
  const noopTasks = updateTaskMs(await handle.fetchHistory()).slice(o.warmup);
  const evidenceTasks = (
    await pool(review.actionIds.slice(o.warmup, o.warmup + 40), 4, async (id) =>
      updateTaskMs(await stack.client.workflow.getHandle(`action-${id}`).fetchHistory()).at(-1),
    )
  ).filter((x): x is number => x !== undefined);
  await handle.signal(finishSignal);
  const ev = summarize(evidence);
  const base = summarize(bare);
  const ratio = ev.p95 / base.p95;
  return {
    row: {
      figure: '2. evidence via HTTP p50/p95/p99',
      value: `${ms(ev.p50)} / ${ms(ev.p95)} / ${ms(ev.p99)}`,
      baseline: `${ms(base.p50)} / ${ms(base.p95)} / ${ms(base.p99)} no-op Update`,
      ratio: `p95 ${round(ratio, 2)}x`,
      target: 'p95 <= 1.5x',
      pass: ratio <= 1.5 && (statuses['200'] ?? 0) === o.samples + o.warmup,
    },
    details: {
      evidence: rounded(ev),
      noopUpdate: rounded(base),
      p95Ratio: round(ratio, 3),
      p50Ratio: round(ev.p50 / base.p50, 3),
      httpStatuses: statuses,
      workflowTaskMs: { evidence: rounded(summarize(evidenceTasks)), noopUpdate: rounded(summarize(noopTasks)) },
    },
  };
}

type History = Awaited<ReturnType<ReturnType<BenchStack['client']['workflow']['getHandle']>['fetchHistory']>>;
const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;

/** Started-to-completed time of every workflow task whose completion accepted an Update. */
function updateTaskMs(history: History): number[] {
  const events = history.events ?? [];
  const out: number[] = [];
  let started = NaN;
  events.forEach((e, i) => {
    if (e.workflowTaskStartedEventAttributes) started = eventMs(e.eventTime);
    if (e.workflowTaskCompletedEventAttributes && events[i + 1]?.workflowExecutionUpdateAcceptedEventAttributes)
      out.push(eventMs(e.eventTime) - started);
  });
  return out;
}

export async function reportLatency(
  stack: BenchStack,
  reviewId: string,
  o: { samples: number; warmup: number },
): Promise<FigureResult> {
  const get = async (url: string, token?: string) => {
    const t0 = performance.now();
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    return { t: performance.now() - t0, bytes: body.byteLength };
  };
  const html: number[] = [];
  const json: number[] = [];
  const health: number[] = [];
  let bytes = 0;
  for (let i = 0; i < o.samples + o.warmup; i++) {
    const h = await get(`${stack.baseUrl}/api/v1/reviews/${reviewId}/report?format=html`, stack.admin.token);
    const j = await get(`${stack.baseUrl}/api/v1/reviews/${reviewId}/report?format=json`, stack.admin.token);
    const z = await get(`${stack.baseUrl}/healthz`);
    bytes = h.bytes;
    if (i >= o.warmup) {
      html.push(h.t);
      json.push(j.t);
      health.push(z.t);
    }
  }
  const s = summarize(html);
  const sj = summarize(json);
  const sh = summarize(health);
  return {
    row: {
      figure: '6. progress statement, 200 actions (HTML)',
      value: `p50 ${ms(s.p50)}, p95 ${ms(s.p95)}`,
      baseline: `p95 ${ms(sh.p95)} /healthz`,
      ratio: `${round(s.p95 / sh.p95, 1)}x`,
      target: 'p95 <= 100 ms',
      pass: s.p95 <= 100,
    },
    details: { html: rounded(s), json: rounded(sj), healthz: rounded(sh), htmlBytes: bytes },
  };
}

// ---------------------------------------------------------------- (3) worker memory

export async function sampleRss(seconds: number): Promise<ReturnType<typeof memory>> {
  fullGc();
  let peak = memory();
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    const m = memory();
    if (m.rssMB > peak.rssMB) peak = m;
  }
  return peak;
}

export async function workerMemory(
  stack: BenchStack,
  idle: ReturnType<typeof memory>,
  o: { open: number; log: (l: string) => void },
): Promise<FigureResult> {
  const have = await actionCount(stack);
  const need = Math.max(0, o.open - have);
  const perReview = 100;
  const t0 = Date.now();
  const made: { id: string; actions: unknown[] }[] = [];
  let created = 0;
  const reviewsNeeded = Math.ceil(need / perReview);
  await pool(range(reviewsNeeded), 4, async (i) => {
    const n = Math.min(perReview, need - i * perReview);
    const r = await makeReview(stack, { actions: n, prefix: 'MEM' });
    made.push(r);
    created += r.actions.length;
    if (made.length % 10 === 0)
      o.log(`  ${created} of ${need} more action workflows requested (${round((Date.now() - t0) / 1000, 0)} s)`);
  });
  await until(
    async () =>
      (await projectedCount(
        stack,
        made.map((m) => m.id),
      )) >= created,
    1_800_000,
    500,
    'memory workflows started',
  );
  const startedMs = Date.now() - t0;
  // Every open workflow has sent its assignment mail and now only waits on its timers.
  const assignments = () => stack.arrivals.filter((a) => a.kind === 'assignment').length;
  const totalOpen = await actionCount(stack);
  await until(async () => assignments() >= totalOpen, 600_000, 500, 'assignment mails sent');
  await sleep(2000);
  const loaded = await sampleRss(5);
  const status = stack.worker.getStatus();
  const cache = stack.worker.options.maxCachedWorkflows;
  return {
    row: {
      figure: `3. RSS, ${totalOpen} open action workflows`,
      value: `${round(loaded.rssMB, 0)} MB`,
      baseline: `${round(idle.rssMB, 0)} MB idle`,
      ratio: `${round(loaded.rssMB / idle.rssMB, 2)}x`,
      target: '<= 600 MB',
      pass: loaded.rssMB <= 600,
    },
    details: {
      openActionWorkflows: totalOpen,
      idle: roundAll(idle),
      loaded: roundAll(loaded),
      maxCachedWorkflows: cache,
      cachedWorkflowsNow: status.numCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: stack.worker.options.maxConcurrentWorkflowTaskExecutions,
      reuseV8Context: stack.worker.options.reuseV8Context,
      topUpActionWorkflows: created,
      topUpSeconds: round(startedMs / 1000, 1),
      topUpPerSecond: round(created / (startedMs / 1000), 1),
      note: `RSS of the whole bench process (worker + API + SMTP catcher${stack.dbKind === 'pglite' ? ' + PGlite' : ''}), so an upper bound on the worker alone`,
    },
  };
}

// ---------------------------------------------------------------- (5) GET /actions

/** Fills the actions table up to `rows` with plain rows (no workflows), when fewer were made through workflows. */
export async function topUpRows(stack: BenchStack, rows: number): Promise<number> {
  const have = await actionCount(stack);
  if (have >= rows) return 0;
  const db = stack.database.db;
  const [review] = await db
    .insert(reviews)
    .values({ reference: `FILLER-${tag()}`, title: 'Filler rows for the list benchmark', policy: {} })
    .returning();
  const [rec] = await db
    .insert(recommendations)
    .values({ reviewId: review.id, number: '1', text: 'Filler', workflowId: `filler-rec-${review.id}` })
    .returning();
  const agencyIds = sql.raw(
    `array[${Object.values(stack.agencyIds)
      .map((id) => `'${id}'::uuid`)
      .join(',')}]`,
  );
  const n = rows - have;
  await db.execute(sql`insert into ${actions} (recommendation_id, review_id, agency_id, reference, title, due_date, workflow_id, status, rag)
    select ${rec.id}::uuid, ${review.id}::uuid, (${agencyIds})[1 + g % 5], '1.' || g, 'Filler action ' || g,
           now() + (g % 400) * interval '1 day', 'filler-' || ${review.id} || '-' || g,
           (array['assigned','in_progress','under_review'])[1 + g % 3], (array['green','amber','red'])[1 + g % 3]
    from generate_series(1, ${n}::int) g`);
  return n;
}

function cannon(
  url: string,
  connections: number,
  seconds: number,
  token?: string,
): Promise<{
  requests: number;
  perSecond: number;
  non2xx: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}> {
  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(
      tsx,
      [path.join(__dirname, 'cannon.ts'), url, String(connections), String(seconds), ...(token ? [token] : [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`autocannon failed: ${err}`)),
    );
  });
}

export async function listActionsLoad(
  stack: BenchStack,
  o: { seconds: number; connections: number; rows: number },
): Promise<FigureResult> {
  const filler = await topUpRows(stack, o.rows);
  const total = await actionCount(stack);
  const list = `${stack.baseUrl}/api/v1/actions?page=50&pageSize=50`;
  // Warm both paths briefly, then measure healthz, the list, and healthz again.
  await cannon(list, 2, 1, stack.admin.token);
  const h1 = await cannon(`${stack.baseUrl}/healthz`, o.connections, o.seconds);
  // The list serves cached pages while nothing is written; count the writes (version bumps) during the load.
  const v0 = await readModelVersionOf(stack.database.db);
  const l = await cannon(list, o.connections, o.seconds, stack.admin.token);
  const writesDuringLoad = (await readModelVersionOf(stack.database.db)) - v0;
  const h2 = await cannon(`${stack.baseUrl}/healthz`, o.connections, o.seconds);
  const health = { perSecond: (h1.perSecond + h2.perSecond) / 2, p95: (h1.p95 + h2.p95) / 2 };
  const pass = l.p95 <= 25 && l.perSecond >= 1500 && l.non2xx === 0;
  return {
    row: {
      figure: `5. GET /actions page 50 over ${total} actions`,
      value: `${round(l.perSecond, 0)} req/s, p95 ${ms(l.p95)}`,
      baseline: `${round(health.perSecond, 0)} req/s, p95 ${ms(health.p95)} /healthz`,
      ratio: `${round(l.perSecond / health.perSecond, 2)}x req/s`,
      target: 'p95 <= 25 ms, >= 1500 req/s',
      pass,
    },
    details: {
      actionsInTable: total,
      fillerRows: filler,
      connections: o.connections,
      seconds: o.seconds,
      list: l,
      healthzBefore: h1,
      healthzAfter: h2,
      writesDuringLoad,
    },
  };
}

// ---------------------------------------------------------------- (7) web pages over a large plan

/** A browser session for a bench user, as the sign-in link would make it; returns the Cookie header value. */
async function sessionCookie(stack: BenchStack, userId: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await insertSession(
    stack.database.db,
    {
      idHash: hashToken(id),
      userId,
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
    new Date(),
  );
  return `cookie:${SESSION_COOKIE}=${id}`;
}

/**
 * The board's dashboard and an agency's My actions over `rows` actions, each under autocannon
 * beside GET /healthz in the same run: the pages must cost what a bounded read costs, not grow
 * with the plan (they aggregate in the database and read one page).
 */
export async function webPagesLoad(
  stack: BenchStack,
  o: { seconds: number; connections: number; rows: number },
): Promise<FigureResult> {
  const filler = await topUpRows(stack, o.rows);
  const total = await actionCount(stack);
  const board = await sessionCookie(stack, stack.admin.actor.userId);
  const agency = await sessionCookie(stack, stack.agencyUser.actor.userId);
  const dashboardUrl = `${stack.baseUrl}/dashboard`;
  const myActionsUrl = `${stack.baseUrl}/`;
  await cannon(dashboardUrl, 2, 1, board);
  await cannon(myActionsUrl, 2, 1, agency);
  const h1 = await cannon(`${stack.baseUrl}/healthz`, o.connections, o.seconds);
  const d = await cannon(dashboardUrl, o.connections, o.seconds, board);
  const m = await cannon(myActionsUrl, o.connections, o.seconds, agency);
  const h2 = await cannon(`${stack.baseUrl}/healthz`, o.connections, o.seconds);
  const health = { perSecond: (h1.perSecond + h2.perSecond) / 2, p95: (h1.p95 + h2.p95) / 2 };
  const pass = d.p95 <= 100 && m.p95 <= 50 && d.non2xx === 0 && m.non2xx === 0;
  return {
    row: {
      figure: `7. Web dashboard and My actions over ${total} actions`,
      value: `dashboard p95 ${ms(d.p95)} (${round(d.perSecond, 0)}/s), My actions p95 ${ms(m.p95)} (${round(m.perSecond, 0)}/s)`,
      baseline: `p95 ${ms(health.p95)} /healthz (${round(health.perSecond, 0)}/s)`,
      ratio: `${round(d.p95 / Math.max(health.p95, 0.001), 1)}x, ${round(m.p95 / Math.max(health.p95, 0.001), 1)}x p95`,
      target: 'dashboard p95 <= 100 ms, My actions p95 <= 50 ms',
      pass,
    },
    details: {
      actionsInTable: total,
      fillerRows: filler,
      connections: o.connections,
      seconds: o.seconds,
      dashboard: d,
      myActions: m,
      healthzBefore: h1,
      healthzAfter: h2,
    },
  };
}

// ---------------------------------------------------------------- (4) reminder lateness

export async function reminderLateness(
  stack: BenchStack,
  o: { count: number; windowSeconds: number; startRate: number; log: (l: string) => void },
): Promise<FigureResult> {
  // Leave time for every workflow to start before its reminder is due (a reminder planned before
  // the workflow started would be skipped by the planner, not sent late).
  const leadMs = Math.max(10_000, (o.count / Math.max(o.startRate, 1)) * 1300 + 6_000);
  const first = Date.now() + leadMs;
  const planned = new Map<string, number>();
  const perReview = 100;
  const at = (i: number) => first + Math.floor((i * o.windowSeconds * 1000) / o.count);
  const made = await pool(range(Math.ceil(o.count / perReview)), 4, (r) =>
    makeReview(stack, {
      actions: Math.min(perReview, o.count - r * perReview),
      prefix: 'REMIND',
      policy: { remindBefore: ['PT1H'] },
      dueDate: (i) => new Date(at(r * perReview + i) + 3_600_000),
    }).then((m) => {
      m.actions.forEach((a, i) => planned.set(a.ref, at(r * perReview + i)));
      return m;
    }),
  );
  await until(
    async () =>
      (await projectedCount(
        stack,
        made.map((m) => m.id),
      )) >= o.count,
    leadMs,
    200,
    'reminder workflows started before the first was due',
  );
  o.log(`  ${o.count} reminder workflows started, ${round((first - Date.now()) / 1000, 0)} s before the first is due`);
  const reminders = () => stack.arrivals.filter((a) => a.kind === 'reminder' && planned.has(a.ref));
  const last = first + o.windowSeconds * 1000;
  await until(
    async () => reminders().length >= o.count,
    last - Date.now() + 120_000,
    500,
    'every reminder accepted',
  ).catch((err: Error) => o.log(`  ${err.message}`));
  const got = reminders();
  const lateness = got.map((a) => a.at - planned.get(a.ref)!);
  const s = summarize(lateness);
  const missing = o.count - new Set(got.map((a) => a.ref)).size;
  return {
    row: {
      figure: `4. reminder lateness, ${o.count} due within ${o.windowSeconds} s`,
      value: `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`,
      baseline: '-',
      ratio: '-',
      target: 'p99 <= 2000 ms',
      pass: s.p99 <= 2000 && missing === 0,
    },
    details: {
      reminders: o.count,
      windowSeconds: o.windowSeconds,
      received: got.length,
      missing,
      lateness: rounded(s),
      leadSeconds: round(leadMs / 1000, 1),
    },
  };
}

function rounded(s: Summary) {
  return { n: s.n, p50: round(s.p50), p95: round(s.p95), p99: round(s.p99), max: round(s.max), mean: round(s.mean) };
}
function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)])) as T;
}
