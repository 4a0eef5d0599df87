/**
 * The deployment tests' shared parts: a `ProdStack` (what `npm run stack:prod` runs) on databases
 * of the test's own, people made with the admin token, an HTTP client that behaves like a careful
 * one (retries what failed for want of a worker, Temporal or the database), and the checks that
 * must hold afterwards.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { freePort } from '../../lib/temporal-cli';
import { ProdStack } from '../../lib/prod-stack';
import { stateQuery } from '../../workflows/messages';
import { EXAMPLE_AGENCIES } from '../api/stack';
import { testDatabaseServerUrl } from '../support/db';

export const ROOT = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are checked field by field by the tests
export type Json = any;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function newStack(name: string, log: (l: string) => void = () => undefined): Promise<ProdStack> {
  const prefix = `${name}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}_`;
  const server = new URL(testDatabaseServerUrl());
  server.pathname = '/postgres';
  const temporalPort = await freeBlock();
  return new ProdStack({
    postgresUrl: server.toString(),
    databases: { app: `${prefix}app`, temporal: `${prefix}temporal`, visibility: `${prefix}visibility` },
    temporalPort,
    apiPorts: [await freePort(), await freePort()],
    smtpPort: await freePort(),
    namespace: 'default',
    taskQueue: `deploy-${randomBytes(3).toString('hex')}`,
    adminToken: `deploy-admin-${randomBytes(12).toString('hex')}`,
    auditKey: randomBytes(32).toString('hex'),
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`)),
    extraEnv: { LOG_LEVEL: 'warn', ALLOW_SHORT_POLICIES: '1' },
    log,
  });
}

/** The Temporal server needs its frontend port and the next few (membership, history, matching, worker): find a free run. */
async function freeBlock(): Promise<number> {
  const net = await import('node:net');
  const free = (p: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    // Temporal stores membership ports as smallint: every port of the block stays below 32768.
    const base = 12000 + Math.floor(Math.random() * 20000);
    const d = base - 7233;
    const ports = [base, 7243 + d, 6933 + d, 7234 + d, 6934 + d, 7235 + d, 6935 + d, 7239 + d, 6939 + d];
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
  throw new Error('no free port block for the Temporal server');
}

export interface HttpStats {
  calls: number;
  retries: number;
  alreadyApplied: number;
}

/** A client that keeps trying through a worker's death or a Temporal restart, as a careful one would. */
export class Http {
  stats: HttpStats = { calls: 0, retries: 0, alreadyApplied: 0 };
  constructor(private readonly stack: ProdStack) {}

  async call(
    api: number,
    method: string,
    url: string,
    token: string,
    body?: unknown,
    deadlineMs = 300_000,
  ): Promise<{ status: number; body: Json }> {
    const end = Date.now() + deadlineMs;
    this.stats.calls += 1;
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let text = '';
      try {
        const res = await fetch(`${this.stack.apiUrl(api)}${url}`, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        text = (err as Error).message;
      }
      const parsed = (() => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return text;
        }
      })();
      if (status > 0 && status < 500 && status !== 429) {
        // A refusal on a retry means the first attempt went through before the failure.
        if (status === 409 && attempt > 0) {
          this.stats.alreadyApplied += 1;
          return { status: 200, body: parsed as Json };
        }
        return { status, body: parsed as Json };
      }
      if (Date.now() > end) throw new Error(`${method} ${url} via API ${api + 1}: ${status} ${text.slice(0, 300)}`);
      this.stats.retries += 1;
      await sleep(Math.min(250 * 2 ** attempt, 3000));
    }
  }

  async ok(api: number, method: string, url: string, token: string, body?: unknown): Promise<Json> {
    const res = await this.call(api, method, url, token, body);
    if (res.status >= 300)
      throw new Error(`${method} ${url} via API ${api + 1}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

export interface People {
  admin: string;
  board: string;
  agency: Record<string, string>;
}

/** What an operator does first: the agencies of the example and a person for each, with the admin token. */
export async function setUpPeople(http: Http, adminToken: string): Promise<People> {
  for (const a of EXAMPLE_AGENCIES) await http.ok(0, 'POST', '/api/v1/agencies', adminToken, a);
  const board = (
    await http.ok(1, 'POST', '/api/v1/users', adminToken, {
      name: 'Board Manager',
      email: 'manager@board.example.org',
      role: 'board',
    })
  ).token as string;
  const agency: Record<string, string> = {};
  for (const [i, a] of EXAMPLE_AGENCIES.entries()) {
    agency[a.code] = (
      await http.ok(i % 2, 'POST', '/api/v1/users', adminToken, {
        name: `${a.code} Lead`,
        email: `lead@${a.code.toLowerCase()}.example`,
        role: 'agency',
        agencyCode: a.code,
      })
    ).token;
  }
  return { admin: adminToken, board, agency };
}

export interface ActionRef {
  id: string;
  reference: string;
  agencyCode: string;
  workflowId: string;
}

export async function importExample(
  http: Http,
  people: People,
  reference: string,
  policy: object,
): Promise<ActionRef[]> {
  const form = new FormData();
  form.set('reference', reference);
  form.set('title', 'Serious Case Review: Baby M');
  form.set('policy', JSON.stringify(policy));
  form.set(
    'file',
    new Blob([fs.readFileSync(path.join(ROOT, 'examples', 'scr-baby-m-action-plan.csv'))], { type: 'text/csv' }),
    'scr-baby-m-action-plan.csv',
  );
  const review = await http.ok(0, 'POST', '/api/v1/reviews/import', people.board, form);
  return (review.recommendations as { actions: { id: string; reference: string; agencyCode: string }[] }[]).flatMap(
    (r) =>
      r.actions.map((a) => ({
        id: a.id,
        reference: a.reference,
        agencyCode: a.agencyCode,
        workflowId: `action-${a.id}`,
      })),
  );
}

export async function onDb<T>(url: string, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface Findings {
  problems: string[];
  outboxRows: number;
  mailsAtSmtp: number;
  tornSendDuplicates: number;
}

/**
 * Every action row equals its workflow's state (the projection is the workflow's query), and
 * every outbox row went out: each Message-ID at the SMTP server belongs to a sent row, and a row
 * delivered twice (a send torn by a crash) was delivered with the same Message-ID.
 */
export async function checkProjectionAndMail(stack: ProdStack, list: ActionRef[]): Promise<Findings> {
  const problems: string[] = [];
  const connection = await Connection.connect({ address: stack.temporal!.address });
  const client = new Client({ connection, namespace: stack.opts.namespace });
  try {
    const rows = await onDb(
      stack.databaseUrl,
      async (c) => (await c.query('select id, status, outcome, escalation_level, projected_seq from actions')).rows,
    );
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    for (const a of list) {
      const row = byId.get(a.id);
      const state = await client.workflow.getHandle(a.workflowId).query(stateQuery);
      const got = {
        status: row?.status,
        outcome: row?.outcome ?? null,
        escalationLevel: row?.escalation_level,
        seq: row?.projected_seq,
      };
      const want = {
        status: state.stage,
        outcome: state.outcome,
        escalationLevel: state.escalationLevel,
        seq: state.seq,
      };
      if (JSON.stringify(got) !== JSON.stringify(want))
        problems.push(`${a.reference}: row ${JSON.stringify(got)}, workflow ${JSON.stringify(want)}`);
    }
  } finally {
    await connection.close();
  }
  const outbox = await onDb(
    stack.databaseUrl,
    async (c) => (await c.query('select idempotency_key, status, message_id, attempts from notifications')).rows,
  );
  const atSmtp = new Map<string, number>();
  for (const m of stack.catcher.list()) {
    const id = (m.messageId ?? '').replace(/^<|>$/g, '');
    atSmtp.set(id, (atSmtp.get(id) ?? 0) + 1);
  }
  let torn = 0;
  const known = new Set<string>();
  for (const o of outbox) {
    const id = String(o.message_id ?? '').replace(/^<|>$/g, '');
    if (o.status !== 'sent' || !id) {
      problems.push(`outbox ${o.idempotency_key}: ${o.status}`);
      continue;
    }
    known.add(id);
    const n = atSmtp.get(id) ?? 0;
    if (n === 0) problems.push(`outbox ${o.idempotency_key}: never reached the SMTP server`);
    if (n > o.attempts) problems.push(`outbox ${o.idempotency_key}: delivered ${n} times in ${o.attempts} attempts`);
    if (n > 1) torn += n - 1;
  }
  for (const [id, n] of atSmtp)
    if (!known.has(id))
      problems.push(`SMTP server got ${n} mail(s) with Message-ID ${id} that no sent outbox row names`);
  return { problems, outboxRows: outbox.length, mailsAtSmtp: stack.catcher.list().length, tornSendDuplicates: torn };
}

/** `npm run audit:verify` against the stack's database, as an operator runs it. */
export async function auditVerify(stack: ProdStack): Promise<{ code: number | null; out: string }> {
  const { spawnLogged } = await import('../support/processes');
  const p = spawnLogged(
    process.execPath,
    ['--import', 'tsx', 'scripts/audit-verify.ts'],
    { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: stack.databaseUrl, AUDIT_KEY: stack.opts.auditKey },
    ROOT,
  );
  return { code: await p.exited, out: p.output() };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null>,
  ms: number,
  every = 1000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(every);
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (${String(last)})` : ''}`);
}
