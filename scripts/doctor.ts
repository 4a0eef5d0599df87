/**
 * `npm run doctor`: what the on-call engineer runs when something looks stuck, or when
 * `actionplan_projections_behind` is above zero. It says, in plain words:
 *  - whether a worker is polling (a heartbeat in the last 12 s);
 *  - every action whose row (what the pages, lists and reports show) has been behind its
 *    workflow for more than a minute because its projection keeps failing, with the last error
 *    the worker recorded, and what the workflow itself says (its stage, and the last failure
 *    Temporal holds for it: a pending activity's or a failed workflow task's);
 *  - the activity failures of the last hour by activity and reason.
 * Reads DATABASE_URL (else the embedded PGlite under DATA_DIR) and TEMPORAL_ADDRESS (else the
 * embedded dev server's port). Exit codes: 0 nothing wrong, 1 something wrong (listed),
 * 2 could not check (the database unreachable, or never migrated), 78 bad configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { databaseOptions, openDatabase, type Db } from '../db/client';
import { loadConfigOrExit, type Config } from '../lib/config';
import { redactUrl } from '../lib/secrets';
import { HEARTBEAT_FRESH_SECONDS, liveWorkers } from '../lib/worker-heartbeat';
import { actionsBehind, BEHIND_AFTER_SECONDS, type BehindAction } from '../api/queries/stuck-work';
import { stateQuery } from '../workflows/messages';
import type { ActionState } from '../workflows/types';

class CannotCheck extends Error {}

/** How long the doctor waits for Temporal (a connection, a query): a wedged workflow must not wedge the doctor. */
const TEMPORAL_WAIT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const late = new Promise<T>((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms).unref();
  });
  return Promise.race([p, late]);
}

/** "3 min 12 s", "2 h 5 min", "4 d 1 h". */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** What an operator can do about a failure, by its recorded reason. */
function advice(reason: string): string {
  if (reason === 'connection' || /^(08|57P0)/.test(reason))
    return 'the database was unreachable or restarting: check it (GET /readyz names it); the retry lands by itself once it answers.';
  if (/^(53|40001|40P01|55P03|58)/.test(reason))
    return 'the database is overloaded or contended (out of resources, serialization, deadlock, lock): look at its load and locks; the retry lands by itself once it eases.';
  if (/^(22|23)/.test(reason))
    return 'the database refuses this change for good (a data or integrity error), and the workflow predates the refusal of such changes: fix the row or the constraint named in the error; the retry then lands.';
  return 'this failure is not one the code knows: read the error, fix its cause (a trigger, a permission, a bug); the retry lands by itself, nothing needs restarting. Report it if it is a bug.';
}

interface WorkflowSide {
  status?: string;
  state?: ActionState;
  lastFailure?: string;
  problem?: string;
}

/** The workflow's own account: its status, its state (query) and the last failure Temporal holds for it. */
async function workflowSide(client: Client, workflowId: string): Promise<WorkflowSide> {
  const out: WorkflowSide = {};
  const handle = client.workflow.getHandle(workflowId);
  try {
    const d = await withTimeout(handle.describe(), TEMPORAL_WAIT_MS, 'describe');
    out.status = d.status.name;
    const pending = d.raw.pendingActivities?.find((a) => a.lastFailure?.message);
    if (pending?.lastFailure?.message)
      out.lastFailure = `activity ${pending.activityType?.name ?? '?'}, attempt ${pending.attempt ?? '?'}: ${pending.lastFailure.message}`;
  } catch (err) {
    out.problem = `Temporal does not know this workflow or did not answer (${(err as Error).message})`;
    return out;
  }
  try {
    out.state = await withTimeout(handle.query(stateQuery), TEMPORAL_WAIT_MS, 'query');
  } catch (err) {
    out.problem = `the workflow does not answer a query (${(err as Error).message}): its workflow task may be failing`;
  }
  if (!out.lastFailure) {
    try {
      const history = await withTimeout(handle.fetchHistory(), TEMPORAL_WAIT_MS, 'history');
      for (const e of [...(history.events ?? [])].reverse()) {
        const f =
          e.workflowTaskFailedEventAttributes?.failure ??
          e.activityTaskFailedEventAttributes?.failure ??
          e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure;
        if (f?.message) {
          out.lastFailure = f.message;
          break;
        }
      }
    } catch {
      /* the history is a bonus: the failure the worker recorded is already in hand */
    }
  }
  return out;
}

function describeBehind(a: BehindAction, side: WorkflowSide | null, now: Date): string {
  const name =
    a.reference !== null
      ? `action ${a.reviewReference ?? '?'} ${a.reference} (${a.agencyCode ?? '?'}, id ${a.actionId})`
      : `action ${a.actionId} (no row in the actions table)`;
  const workflowAt = side?.state ? `"${side.state.stage}" (event ${side.state.seq})` : `event ${a.seq}`;
  const lines = [
    `PROBLEM  ${name} is behind its workflow by ${duration(now.getTime() - a.firstFailedAt.getTime())}:`,
    `         the pages show "${a.status ?? 'nothing'}" (event ${a.projectedSeq ?? 'none'}), the workflow is at ${workflowAt}.`,
    `         Its projection has failed ${a.attempts} time(s) since ${a.firstFailedAt.toISOString()} (last ${duration(now.getTime() - a.lastFailedAt.getTime())} ago), reason ${a.reason}:`,
    `         ${a.lastError}`,
  ];
  if (side?.status) lines.push(`         Workflow ${a.workflowId}: ${side.status.toLowerCase()}.`);
  if (side?.lastFailure) lines.push(`         Last failure Temporal holds for it: ${side.lastFailure}`);
  if (side?.problem) lines.push(`         ${side.problem}`);
  lines.push(`         What to do: ${advice(a.reason)}`);
  return lines.join('\n');
}

async function recentFailures(db: Db): Promise<{ activity_type: string; reason: string; failures: number }[]> {
  return (
    (await db.execute(
      sql`select activity_type, reason, failures::int as failures from activity_failure_counts where last_failed_at > now() - interval '1 hour' order by failures desc`,
    )) as unknown as { rows: { activity_type: string; reason: string; failures: number }[] }
  ).rows;
}

async function connectTemporal(config: Config): Promise<Client> {
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
  const connection = await withTimeout(
    Connection.connect({ address, connectTimeout: '5s', apiKey: config.temporal.apiKey }),
    TEMPORAL_WAIT_MS,
    `Temporal at ${address}`,
  );
  return new Client({ connection, namespace: config.temporal.namespace });
}

async function main(config: Config): Promise<number> {
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pglite')))
    throw new CannotCheck(
      `no database to check: DATABASE_URL is not set and there is no embedded database under ${path.join(config.dataDir, 'pglite')}`,
    );
  const database = await openDatabase(databaseOptions(config, { poolSize: 2 })).catch((err: unknown) => {
    throw new CannotCheck(`could not open ${where(config)}: ${rootMessage(err)}`);
  });
  let client: Client | null = null;
  let problems = 0;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const workers = await liveWorkers(database.db, config.temporal.taskQueue).catch((err: unknown) => {
      throw new CannotCheck(`could not read ${where(config)}: ${rootMessage(err)}`);
    });
    if (workers === 0) {
      problems += 1;
      out(
        `PROBLEM  no worker is polling task queue "${config.temporal.taskQueue}" (no heartbeat in the last ${HEARTBEAT_FRESH_SECONDS} s): nothing moves until one runs. Start one: npm run worker.`,
      );
    } else out(`ok       ${workers} worker(s) polling task queue "${config.temporal.taskQueue}".`);

    const behind = await actionsBehind(database.db);
    if (behind.length) {
      client = await connectTemporal(config).catch((err: unknown) => {
        out(`note     Temporal not reachable (${(err as Error).message}): the workflows' side is not shown.`);
        return null;
      });
      const now = new Date();
      for (const a of behind) {
        problems += 1;
        out(describeBehind(a, client ? await workflowSide(client, a.workflowId) : null, now));
      }
    } else out(`ok       no action is behind its workflow by more than ${BEHIND_AFTER_SECONDS} s.`);

    const recent = await recentFailures(database.db);
    if (recent.length)
      out(
        `info     activity failures counted, for the kinds that failed in the last hour (totals since the start): ${recent.map((r) => `${r.activity_type} ${r.reason} ×${r.failures}`).join(', ')}.`,
      );
    else out('ok       no activity failed in the last hour.');
    out(problems ? `${problems} problem(s) found.` : 'Nothing wrong found.');
    return problems ? 1 : 0;
  } finally {
    await client?.connection.close().catch(() => undefined);
    await database.close();
  }
}

function where(config: Config): string {
  return config.databaseUrl
    ? `the database at ${redactUrl(config.databaseUrl)} (DATABASE_URL)`
    : `the embedded database under ${config.dataDir}`;
}

function rootMessage(err: unknown): string {
  let root: unknown = err;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const m = root instanceof Error ? root.message : String(root);
  return /relation ".*" does not exist/.test(m) ? `${m} (never migrated? run npm run migrate)` : m;
}

const config = loadConfigOrExit('embedded');
main(config).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`NOT CHECKED: ${err instanceof CannotCheck ? err.message : rootMessage(err)}\n`);
    process.exit(2);
  },
);
