import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { ProdStack } from '../../lib/prod-stack';
import { QUIET_POLICY } from '../support/quiet-policy';
import { UPGRADE_PATCH_ID } from './upgraded-workflows';
import {
  Http,
  auditVerify,
  checkProjectionAndMail,
  importExample,
  newStack,
  onDb,
  setUpPeople,
  waitFor,
  type ActionRef,
  type People,
} from './topology';

/**
 * Deployment rehearsal on the production topology (`npm run stack:prod`'s ProdStack): the Temporal
 * server on Postgres, two workers, two API processes, an SMTP server. An operator creates people
 * with the admin token, imports the example review through API 1, and the agencies and the board
 * drive every action (acknowledge, evidence, decision, cancel) through API 1 and API 2 in turn,
 * while one worker is SIGKILLed and the Temporal server is restarted. Then: every action in its
 * planned stage, the projection equal to each workflow's query, the audit chain intact
 * (`npm run audit:verify`), every mail delivered once, and /readyz 200 on both APIs.
 */
jest.setTimeout(900_000);

const PLANS = ['acknowledge', 'evidence', 'approve', 'cancel'] as const;
type Plan = (typeof PLANS)[number];
const STAGE: Record<Plan, string> = {
  acknowledge: 'in_progress',
  evidence: 'under_review',
  approve: 'closed',
  cancel: 'cancelled',
};

let stack: ProdStack;
let people: People;
let list: ActionRef[] = [];
const planOf = (i: number): Plan => PLANS[i % PLANS.length];
const figures: Record<string, number | string> = {};
const t0 = Date.now();
const mark = (name: string) => (figures[name] = `${((Date.now() - t0) / 1000).toFixed(1)} s`);

beforeAll(async () => {
  stack = await newStack('rehearsal');
  await stack.start();
  mark('topology ready');
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await stack?.dropDatabases();
  if (stack) fs.rmSync(stack.opts.dataDir, { recursive: true, force: true });
  process.stdout.write(`deployment rehearsal figures: ${JSON.stringify(figures)}\n`);
});

it('carries the example review through two APIs and two workers, across a worker SIGKILL and a Temporal restart', async () => {
  const http = new Http(stack);
  people = await setUpPeople(http, stack.opts.adminToken);
  list = await importExample(http, people, 'SCR-BABY-M', QUIET_POLICY);
  mark('imported');
  expect(list.length).toBe(22);
  const plan = planOf;

  let calls = 0;
  const api = () => calls++ % 2; // alternate API 1 and API 2, call by call
  let done = 0;
  const drive = async (a: ActionRef, p: Plan) => {
    const agency = people.agency[a.agencyCode];
    const url = `/api/v1/actions/${a.id}`;
    if (p === 'cancel')
      await http.ok(api(), 'POST', `${url}/cancel`, people.board, { reason: 'Superseded by a later review' });
    else {
      await http.ok(api(), 'POST', `${url}/acknowledge`, agency);
      if (p !== 'acknowledge')
        await http.ok(api(), 'POST', `${url}/evidence`, agency, { statement: 'Procedure revised and staff briefed' });
      if (p === 'approve')
        await http.ok(api(), 'POST', `${url}/decision`, people.board, {
          outcome: 'approve',
          comment: 'Evidence is sufficient',
        });
    }
    done += 1;
  };

  // The faults, at one and two thirds of the way, while requests are in flight.
  const faults = (async () => {
    await waitFor('a third driven', async () => done >= list.length / 3, 600_000, 200);
    const victim = stack.workers[0];
    victim.child.kill('SIGKILL');
    await victim.exited;
    figures.workerKilledAfterActions = done;
    await waitFor('two thirds driven', async () => done >= (2 * list.length) / 3, 600_000, 200);
    figures.temporalRestartedAfterActions = done;
    const r0 = Date.now();
    await stack.restartTemporal();
    figures.temporalRestartSeconds = Math.round((Date.now() - r0) / 1000);
    // As compose's restart policy would: a worker comes back in the killed one's place.
    stack.workers.push(stack.startWorker());
  })();
  const queue = list.map((a, i) => [a, plan(i)] as const);
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await drive(...next);
    }),
  );
  await faults;
  mark('driven');

  // Every action reaches its planned stage, as both APIs report it.
  await waitFor(
    'every action in its planned stage',
    async () => {
      const rows = await onDb(stack.databaseUrl, async (c) => (await c.query('select id, status from actions')).rows);
      const status = new Map(rows.map((r) => [r.id, r.status]));
      return list.every((a, i) => status.get(a.id) === STAGE[plan(i)]);
    },
    300_000,
  );
  for (const [i, a] of list.entries()) {
    const seen = await http.ok(i % 2, 'GET', `/api/v1/actions/${a.id}`, people.board);
    expect({ ref: a.reference, status: seen.status }).toEqual({ ref: a.reference, status: STAGE[plan(i)] });
  }
  await waitFor(
    'the outbox drained',
    async () =>
      (await onDb(
        stack.databaseUrl,
        async (c) => (await c.query("select count(*)::int as n from notifications where status <> 'sent'")).rows[0].n,
      )) === 0,
    300_000,
  );
  mark('settled');

  const findings = await checkProjectionAndMail(stack, list);
  expect(findings.problems).toEqual([]);
  const audit = await auditVerify(stack);
  expect({ code: audit.code, out: audit.out }).toEqual({
    code: 0,
    out: expect.stringMatching(/^audit chain intact: \d+ event\(s\) verified/),
  });
  for (const i of [0, 1]) {
    const res = await fetch(`${stack.apiUrl(i)}/readyz`);
    expect({ api: i + 1, status: res.status }).toEqual({ api: i + 1, status: 200 });
  }
  Object.assign(figures, {
    actions: list.length,
    httpCalls: http.stats.calls,
    httpRetries: http.stats.retries,
    alreadyAppliedOnRetry: http.stats.alreadyApplied,
    workerKills: 1,
    temporalRestarts: 1,
    outboxRows: findings.outboxRows,
    mailsAtSmtp: findings.mailsAtSmtp,
    tornSendDuplicates: findings.tornSendDuplicates,
    audit: audit.out.trim(),
  });
});

it('rolls the workers onto a release whose workflow code changed behind patched(): old drained, none fails or sticks, old histories replay', async () => {
  expect(list.length).toBe(22); // follows the rehearsal: its open actions are the running workflows
  const http = new Http(stack);
  const next = await stack.buildBundle(
    path.join(stack.opts.dataDir, 'workflow-bundle-next.js'),
    path.join(__dirname, 'upgraded-workflows', 'index.ts'),
  );
  const old = stack.workers.filter((w) => w.running);
  const fresh = [
    stack.startWorker({ WORKFLOW_BUNDLE_PATH: next, LOG_LEVEL: 'info' }),
    stack.startWorker({ WORKFLOW_BUNDLE_PATH: next, LOG_LEVEL: 'info' }),
  ];
  stack.workers.push(...fresh);
  await waitFor(
    'the new workers polling',
    async () => fresh.every((w) => w.output().includes('worker polling')),
    240_000,
  );
  // Work goes on while old and new overlap; then the old ones are drained (SIGTERM: in-flight tasks finish).
  const open = list.map((a, i) => [a, planOf(i)] as const).filter(([, p]) => p === 'acknowledge' || p === 'evidence');
  const driving = Promise.all(
    open.map(async ([a, p], i) => {
      const agency = people.agency[a.agencyCode];
      if (p === 'acknowledge')
        await http.ok(i % 2, 'POST', `/api/v1/actions/${a.id}/evidence`, agency, {
          statement: 'Done after the upgrade',
        });
      else
        await http.ok(i % 2, 'POST', `/api/v1/actions/${a.id}/decision`, people.board, {
          outcome: 'approve',
          comment: 'Signed off after the upgrade',
        });
    }),
  );
  const d0 = Date.now();
  const codes = await Promise.all(old.map(async (w) => (await w.stop(30_000), w.child.exitCode)));
  figures.oldWorkersDrainedSeconds = Math.round((Date.now() - d0) / 1000);
  expect(codes).toEqual(old.map(() => 0));
  stack.workers = stack.workers.filter((w) => !old.includes(w));
  await driving;
  // A review started on the new release takes the patched path.
  const review = await http.ok(0, 'POST', '/api/v1/reviews', people.board, {
    reference: 'UPGRADE-1',
    title: 'After the upgrade',
    policy: QUIET_POLICY,
    recommendations: [
      {
        number: '1',
        text: 'Share information',
        actions: [
          {
            agencyCode: 'BHT',
            title: 'Update the discharge policy',
            dueDate: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10),
          },
        ],
      },
    ],
  });
  const after: ActionRef = {
    ...review.recommendations[0].actions[0],
    workflowId: `action-${review.recommendations[0].actions[0].id}`,
  };
  await http.ok(1, 'POST', `/api/v1/actions/${after.id}/acknowledge`, people.agency.BHT);

  const want = new Map(
    list.map((a, i) => [
      a.id,
      { acknowledge: 'under_review', evidence: 'closed', approve: 'closed', cancel: 'cancelled' }[planOf(i)],
    ]),
  );
  want.set(after.id, 'in_progress');
  await waitFor(
    'every action in its stage after the upgrade',
    async () => {
      const rows = await onDb(stack.databaseUrl, async (c) => (await c.query('select id, status from actions')).rows);
      return rows.length === want.size && rows.every((r) => want.get(r.id) === r.status);
    },
    300_000,
  );

  const connection = await Connection.connect({ address: stack.temporal!.address });
  const client = new Client({ connection, namespace: stack.opts.namespace });
  try {
    const all = [...list, after];
    const histories = await Promise.all(
      all.map(async (a) => ({
        workflowId: a.workflowId,
        history: await client.workflow.getHandle(a.workflowId).fetchHistory(),
      })),
    );
    const problems: string[] = [];
    for (const { workflowId, history } of histories) {
      for (const e of history.events ?? [])
        if (e.workflowTaskFailedEventAttributes || e.workflowExecutionFailedEventAttributes)
          problems.push(`${workflowId}: ${Object.keys(e).find((k) => k.endsWith('Attributes'))}`);
    }
    expect(problems).toEqual([]);
    const patchIds = (h: (typeof histories)[number]) =>
      (h.history.events ?? [])
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .map((e) =>
          Object.values(e.markerRecordedEventAttributes!.details ?? {})
            .flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString()))
            .join(''),
        );
    const patched = histories
      .filter((h) => patchIds(h).some((d) => d.includes(UPGRADE_PATCH_ID)))
      .map((h) => h.workflowId);
    expect(patched).toEqual([after.workflowId]);
    figures.upgradePatchMarkers = patched.length;
    const failed = await client.workflowService.countWorkflowExecutions({
      namespace: stack.opts.namespace,
      query: 'ExecutionStatus="Failed" OR ExecutionStatus="Terminated" OR ExecutionStatus="TimedOut"',
    });
    expect(Number(failed.count)).toBe(0);

    // The histories recorded before the upgrade, and the committed ones, replay on the new code.
    const fixtures = path.join(__dirname, '..', 'fixtures');
    const committed = fs.readdirSync(fixtures).filter((f) => f.startsWith('action-') && f.endsWith('.history.json'));
    const replays = [
      ...histories.filter((h) => h.workflowId !== after.workflowId),
      ...committed.map((f) => ({
        workflowId: f,
        history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'))),
      })),
    ];
    const results: { id: string; error?: string }[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: next } }, replays))
      if (r.error) results.push({ id: r.workflowId, error: r.error.message });
    expect(results).toEqual([]);
    figures.replayedOnNewCode = replays.length;
  } finally {
    await connection.close();
  }
  for (const i of [0, 1]) expect((await fetch(`${stack.apiUrl(i)}/readyz`)).status).toBe(200);
});

it('backs up both databases while a reminder is pending, restores them into fresh databases, and the restored topology sends the reminder with the audit chain intact', async () => {
  expect(list.length).toBe(22); // runs on the rehearsal's topology and data
  const http = new Http(stack);
  // A reminder about two minutes away: pending while the backup is taken, due after the restore.
  const review = await http.ok(0, 'POST', '/api/v1/reviews', people.board, {
    reference: 'BACKUP-1',
    title: 'Pending reminder across a restore',
    policy: { ...QUIET_POLICY, remindBefore: ['PT8M'] },
    recommendations: [
      {
        number: '1',
        text: 'Share information',
        actions: [
          {
            agencyCode: 'TVP',
            title: 'Brief the custody sergeants',
            dueDate: new Date(Date.now() + 10 * 60_000).toISOString(),
          },
        ],
      },
    ],
  });
  const pending = review.recommendations[0].actions[0] as { id: string };
  await waitFor(
    'the assignment projected',
    async () =>
      (await onDb(
        stack.databaseUrl,
        async (c) =>
          (await c.query('select count(*)::int as n from audit_events where action_id = $1', [pending.id])).rows[0].n,
      )) > 0,
    60_000,
  );

  // docs/OPERATIONS.md "Backups": stop the API and the workers, dump the three databases, start again.
  await Promise.all([...stack.apis, ...stack.workers].map((p) => p.stop(30_000)));
  const dumps = path.join(stack.opts.dataDir, 'backup');
  fs.mkdirSync(dumps);
  const server = new URL(stack.opts.postgresUrl);
  const pgArgs = [
    '-h',
    server.hostname,
    '-p',
    server.port || '5432',
    '-U',
    decodeURIComponent(server.username || 'postgres'),
  ];
  const b0 = Date.now();
  for (const [kind, name] of Object.entries(stack.opts.databases))
    await run('pg_dump', [...pgArgs, '-Fc', '-f', path.join(dumps, `${kind}.dump`), name]);
  figures.backupSeconds = Math.round((Date.now() - b0) / 1000);
  await stack.stop();
  expect(
    (await stack.catcher.list()).some(
      (m) => m.headers['x-action-ref']?.startsWith('BACKUP-1') && m.headers['x-notification-kind'] === 'reminder',
    ),
  ).toBe(false);

  // Restore as docs/OPERATIONS.md says: drop, create each database, then pg_restore into it.
  // (Same names: Temporal's schema_version rows name the database they belong to.)
  await stack.dropDatabases();
  const r0 = Date.now();
  for (const [kind, name] of Object.entries(stack.opts.databases)) {
    await run('createdb', [...pgArgs, name]);
    await run('pg_restore', [...pgArgs, '--no-owner', '-d', name, path.join(dumps, `${kind}.dump`)]);
  }
  const before = stack;
  stack = new ProdStack({ ...before.opts, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'restored-')) });
  // The same release that took the backup (the upgraded one): workflows it started replay only on it.
  fs.copyFileSync(path.join(before.opts.dataDir, 'workflow-bundle-next.js'), stack.bundlePath);
  fs.rmSync(before.opts.dataDir, { recursive: true, force: true });
  await stack.start();
  figures.restoreToReadySeconds = Math.round((Date.now() - r0) / 1000);

  const reminder = await stack.catcher.waitFor(
    (m) => m.headers['x-notification-kind'] === 'reminder' && (m.headers['x-action-ref'] ?? '').startsWith('BACKUP-1'),
    300_000,
  );
  expect(reminder.to).toEqual(expect.arrayContaining(['safeguarding.lead@tvp.example']));
  figures.reminderAfterRestoreSeconds = Math.round((Date.now() - r0) / 1000);
  await waitFor(
    'the reminder audited',
    async () =>
      (await onDb(
        stack.databaseUrl,
        async (c) =>
          (
            await c.query(
              "select count(*)::int as n from audit_events where action_id = $1 and type = 'reminder_sent'",
              [pending.id],
            )
          ).rows[0].n,
      )) === 1,
    60_000,
  );
  const audit = await auditVerify(stack);
  expect({ code: audit.code, out: audit.out }).toEqual({ code: 0, out: expect.stringMatching(/^audit chain intact/) });
  // The restored deployment still works: its people, their tokens, its actions.
  const seen = await http2(stack).ok(1, 'GET', `/api/v1/actions/${list[0].id}`, people.board);
  expect(seen.id).toBe(list[0].id);
});

const http2 = (s: ProdStack) => new Http(s);

async function run(command: string, args: string[]): Promise<void> {
  const { spawnLogged } = await import('../support/processes');
  const p = spawnLogged(command, args, { PATH: process.env.PATH, HOME: process.env.HOME }, __dirname);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${code}\n${p.output()}`);
}
