/**
 * `npm run bench:papers`: the period report over 10,000 actions and a year of events, in each
 * format, beside the progress statement of a 200-action review, through the real app over HTTP
 * on a fresh Postgres database (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 * Rows are written straight into the read model (no workflows); the audit rows carry placeholder
 * hashes, since only the chain's head is read here. `--samples N` (default 20); `--only TEXT` runs
 * the cases whose name contains TEXT.
 */
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { createApp } from '../api/app';
import { hashToken } from '../api/http/auth';
import {
  actions,
  agencies,
  auditEvents,
  decisions,
  escalations,
  extensionRequests,
  recommendations,
  reviews,
  users,
} from '../db/schema';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createTestDatabase } from '../test/support/db';
import { DEFAULT_POLICY } from '../workflows/types';
import { round, summarize } from './stats';

const REVIEWS = 50;
const PER_REVIEW = 200;
const YEAR_START = Date.UTC(2025, 6, 1);
const DAY = 86_400_000;
const AGENCIES = ['BSCB', 'BHT', 'BCC', 'TVP', 'CCG'];

/** Deterministic pseudo-random numbers, so every run seeds the same record. */
function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

async function seed(
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'],
): Promise<{ statementReview: string; token: string }> {
  const rand = rng(42);
  const ag = await db
    .insert(agencies)
    .values(AGENCIES.map((code) => ({ code, name: `${code} agency`, leadEmail: `lead@${code.toLowerCase()}.bench` })))
    .returning();
  const token = 'bench-admin-token-0123456789';
  await db.insert(users).values({ name: 'Admin', email: 'admin@bench', role: 'admin', tokenHash: hashToken(token) });
  let first = '';
  let auditId = 0;
  for (let r = 0; r < REVIEWS; r++) {
    const created = new Date(YEAR_START + Math.floor(rand() * 300) * DAY);
    const [rv] = await db
      .insert(reviews)
      .values({ reference: `BENCH-${r}`, title: `Bench review ${r}`, policy: DEFAULT_POLICY, createdAt: created })
      .returning();
    if (!first) first = rv.id;
    const recs = await db
      .insert(recommendations)
      .values(
        Array.from({ length: 10 }, (_, i) => ({
          reviewId: rv.id,
          number: String(i + 1),
          text: `Recommendation ${i + 1} of review ${r}`,
          workflowId: `bench-rec-${r}-${i}`,
          position: i,
        })),
      )
      .returning();
    const rows = Array.from({ length: PER_REVIEW }, (_, i) => {
      const x = rand();
      const status =
        x < 0.4 ? 'closed' : x < 0.5 ? 'under_review' : x < 0.85 ? 'in_progress' : x < 0.95 ? 'assigned' : 'cancelled';
      const due = new Date(created.getTime() + (30 + Math.floor(rand() * 300)) * DAY);
      const closedAt = status === 'closed' ? new Date(created.getTime() + Math.floor(rand() * 360) * DAY) : null;
      return {
        recommendationId: recs[i % 10].id,
        reviewId: rv.id,
        reviewReference: rv.reference,
        agencyId: ag[i % AGENCIES.length].id,
        reference: `${(i % 10) + 1}.${Math.floor(i / 10) + 1}`,
        title: `Action ${i} of review ${r}: a realistic length of title for a safeguarding action`,
        successMeasure: 'Audit shows the change embedded in practice',
        dueDate: due,
        status: status as 'closed',
        outcome: status === 'closed' ? (rand() < 0.9 ? ('implemented' as const) : ('not_implemented' as const)) : null,
        rag: status === 'closed' ? ('complete' as const) : ('green' as const),
        closedAt,
        lastActivityAt: new Date(created.getTime() + Math.floor(rand() * 300) * DAY),
        workflowId: `bench-action-${r}-${i}`,
        createdAt: created,
      };
    });
    const inserted = await db.insert(actions).values(rows).returning({
      id: actions.id,
      closedAt: actions.closedAt,
      outcome: actions.outcome,
      createdAt: actions.createdAt,
      dueDate: actions.dueDate,
    });
    const dec = inserted
      .filter((a) => a.closedAt)
      .map((a) => ({
        actionId: a.id,
        outcome: a.outcome === 'implemented' ? ('approve' as const) : ('close_not_implemented' as const),
        comment: 'Evidence seen; reasons recorded.',
        decidedAt: a.closedAt!,
      }));
    if (dec.length) await db.insert(decisions).values(dec);
    const ext = inserted
      .filter(() => rand() < 0.1)
      .map((a) => ({
        actionId: a.id,
        previousDueDate: a.dueDate,
        newDueDate: new Date(a.dueDate.getTime() + 60 * DAY),
        reason: 'Staff shortage',
        interimMeasures: 'Weekly check-ins',
        status: 'approved' as const,
        decidedAt: new Date(a.createdAt.getTime() + Math.floor(rand() * 300) * DAY),
      }));
    if (ext.length) await db.insert(extensionRequests).values(ext);
    const esc = inserted
      .filter(() => rand() < 0.15)
      .map((a) => ({
        actionId: a.id,
        level: 1 + Math.floor(rand() * 3),
        reason: 'overdue' as const,
        raisedAt: new Date(a.createdAt.getTime() + Math.floor(rand() * 300) * DAY),
      }));
    if (esc.length) await db.insert(escalations).values(esc);
    const types = ['assigned', 'acknowledged', 'evidence_submitted', 'decided', 'reminder_sent'];
    const audit = inserted.flatMap((a) =>
      types.slice(0, 2 + Math.floor(rand() * 4)).map((type, k) => ({
        eventKey: `bench:${a.id}:${k}`,
        actionId: a.id,
        reviewId: rv.id,
        type,
        actor: 'bench',
        payload: {},
        occurredAt: new Date(a.createdAt.getTime() + k * 40 * DAY + Math.floor(rand() * 30) * DAY),
        prevHash: '0'.repeat(64),
        hash: (++auditId).toString(16).padStart(64, '0'),
      })),
    );
    await db.insert(auditEvents).values(audit);
  }
  return { statementReview: first, token };
}

async function main() {
  const samplesArg = process.argv.indexOf('--samples');
  const samples = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 20;
  const database = await createTestDatabase('benchpapers');
  try {
    const t0 = performance.now();
    const { statementReview, token } = await seed(database.db);
    const counts = (await database.db.execute(
      sql`select (select count(*) from actions)::int as actions, (select count(*) from audit_events)::int as events, (select count(*) from decisions)::int as decisions`,
    )) as unknown as { rows: Record<string, number>[] };
    process.stdout.write(`seeded ${JSON.stringify(counts.rows[0])} in ${round((performance.now() - t0) / 1000)} s\n`);
    const config = loadConfig('embedded', { LOG_LEVEL: 'silent' });
    const app = createApp({
      config,
      db: database.db,
      client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
      logger: createLogger({ logLevel: 'silent' }),
      readiness: async () => ({ ready: true, checks: {} }) as never,
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const time = async (path: string) => {
      const s = performance.now();
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
      return { ms: performance.now() - s, bytes: body.byteLength };
    };
    const cases: [string, string][] = [
      ...['json', 'html', 'csv', 'xlsx', 'docx', 'pdf'].map(
        (f) =>
          [`period report, a quarter (${f})`, `/api/v1/reports/period?from=2026-04-01&to=2026-07-01&format=${f}`] as [
            string,
            string,
          ],
      ),
      ['period report, the whole year (json)', '/api/v1/reports/period?from=2025-07-01&to=2026-07-01&format=json'],
      ['period report, the whole year (pdf)', '/api/v1/reports/period?from=2025-07-01&to=2026-07-01&format=pdf'],
      ['yearly extract (xlsx)', '/api/v1/reports/yearly?from=2025-07-01&to=2026-07-01&format=xlsx'],
      ...['html', 'docx', 'pdf'].map(
        (f) =>
          [`statement, 200 actions (${f})`, `/api/v1/reviews/${statementReview}/report?format=${f}`] as [
            string,
            string,
          ],
      ),
    ];
    process.stdout.write(`\n| what | p50 | p95 | size |\n| --- | --- | --- | --- |\n`);
    const onlyArg = process.argv.indexOf('--only');
    const only = onlyArg > 0 ? process.argv[onlyArg + 1] : '';
    for (const [name, path] of cases.filter(([n]) => n.includes(only))) {
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < samples + 1; i++) {
        const r = await time(path);
        bytes = r.bytes;
        if (i >= 1) ms.push(r.ms);
      }
      const s = summarize(ms);
      process.stdout.write(`| ${name} | ${round(s.p50)} ms | ${round(s.p95)} ms | ${round(bytes / 1024)} KiB |\n`);
    }
    server.close();
  } finally {
    await database.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
