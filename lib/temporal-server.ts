import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { goInstall } from './temporal-cli';

/**
 * The Temporal server itself (not the dev server) and its SQL tool, as docker-compose.yml runs
 * them from the temporalio/server and temporalio/admin-tools images, built from their Go module
 * at the same version and cached outside the work tree like the CLI (lib/temporal-cli.ts).
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULES = { server: 'go.temporal.io/server/cmd/server', sql: 'go.temporal.io/server/cmd/tools/sql' } as const;
/** The server's config template, kept in the repository (same settings and variable names as compose). */
export const SERVER_CONFIG_ROOT = path.join(__dirname, '..', 'deploy', 'temporal');
/** Persistence plugin and history shard count: what compose gives the server image (DB, NUM_HISTORY_SHARDS default). */
export const TEMPORAL_DB_PLUGIN = 'postgres12';
export const NAMESPACE_RETENTION_DAYS = 30;

export class TemporalServerMissing extends Error {}

export function serverCacheDir(version = TEMPORAL_SERVER_VERSION): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'actionplan', 'temporal-server', version);
}

export interface TemporalServerBinaries {
  server: string;
  sql: string;
}

function findGo(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    if (!dir) continue;
    const candidate = path.join(dir, 'go');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Finds both binaries in the cache or builds them with `go install` (many minutes the first time), with progress lines. */
export async function provisionTemporalServer(
  opts: { log?: (line: string) => void } = {},
): Promise<TemporalServerBinaries> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const dir = serverCacheDir();
  const bins = { server: path.join(dir, 'server'), sql: path.join(dir, 'sql') };
  if (fs.existsSync(bins.server) && fs.existsSync(bins.sql)) return bins;
  const go = findGo();
  if (!go) {
    throw new TemporalServerMissing(
      [
        `The Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool are not in ${dir}, and Go is not available to build them.`,
        'Install Go >= 1.25 (https://go.dev/dl/) and run `npm run stack:prod` again (it builds them once, with `go install`),',
        `or put the binaries there yourself: ${MODULES.server}@${TEMPORAL_SERVER_VERSION} as "server", ${MODULES.sql}@${TEMPORAL_SERVER_VERSION} as "sql".`,
      ].join('\n'),
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with Go into ${dir} (first time only; this takes many minutes)...`,
  );
  const started = Date.now();
  await goInstall(
    go,
    [`${MODULES.server}@${TEMPORAL_SERVER_VERSION}`, `${MODULES.sql}@${TEMPORAL_SERVER_VERSION}`],
    dir,
    log,
    (detail) => new TemporalServerMissing(`go install of the Temporal server failed ${detail}`),
  );
  log(`Temporal server and SQL tool built in ${Math.round((Date.now() - started) / 1000)} s`);
  return bins;
}

export interface TemporalDatabaseSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** Compose's names by default: temporal, temporal_visibility. */
  database: string;
  visibilityDatabase: string;
}

function runTool(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-8000)));
    child.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-8000)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * What compose's temporal-schema one-shot does, with the same tool: create both databases (an
 * existing one is fine), bring an existing schema up to this server's version, or set one up
 * from version 0.0 where there is none, with the tool's embedded schema files. Safe to run on
 * every start, and on restored databases.
 */
export async function ensureTemporalSchema(sqlTool: string, db: TemporalDatabaseSettings): Promise<void> {
  const env = { ...process.env, SQL_PASSWORD: db.password ?? '' };
  const base = ['--plugin', TEMPORAL_DB_PLUGIN, '--ep', db.host, '-p', String(db.port), '-u', db.user];
  const step = async (what: string, args: string[], tolerate?: RegExp) => {
    const r = await runTool(sqlTool, [...base, ...args], env);
    if (r.code !== 0 && !(tolerate && tolerate.test(r.output)))
      throw new Error(
        `Temporal schema: ${what} failed (exit ${r.code}):\n${r.output.split('\n').slice(-6).join('\n')}`,
      );
  };
  for (const [name, schema] of [
    [db.database, 'temporal'],
    [db.visibilityDatabase, 'visibility'],
  ] as const) {
    await step(`create database ${name}`, ['--db', name, 'create'], /already exists/);
    // setup-schema on a database that has a schema resets its version to 0.0, and the update
    // then fails re-running old steps: set up only where there is no schema to update yet.
    const update = ['--db', name, 'update-schema', '--schema-name', `postgresql/v12/${schema}`];
    if ((await runTool(sqlTool, [...base, ...update], env)).code === 0) continue;
    await step(`set up ${name}`, ['--db', name, 'setup-schema', '-v', '0.0']);
    await step(`update ${name}`, update);
  }
}

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Compose's fixed ports shifted by `offset` (0 = 7233 and friends), so several stacks can share a host. */
export function serverPorts(frontend = 7233): ServerPorts {
  const d = frontend - 7233;
  return {
    frontend,
    frontendHttp: 7243 + d,
    frontendMembership: 6933 + d,
    history: 7234 + d,
    historyMembership: 6934 + d,
    matching: 7235 + d,
    matchingMembership: 6935 + d,
    worker: 7239 + d,
    workerMembership: 6939 + d,
  };
}

/** The environment the config template reads: the variable names of compose's `temporal` service. */
export function serverEnvironment(db: TemporalDatabaseSettings, ports: ServerPorts): Record<string, string> {
  return {
    DB: TEMPORAL_DB_PLUGIN,
    DB_PORT: String(db.port),
    POSTGRES_SEEDS: db.host,
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password ?? '',
    DBNAME: db.database,
    VISIBILITY_DBNAME: db.visibilityDatabase,
    NUM_HISTORY_SHARDS: '4',
    BIND_ON_IP: '127.0.0.1',
    LOG_LEVEL: 'warn',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
  };
}

export interface RunningTemporalServer {
  address: string;
  pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Starts the server from the repository's config and waits until its frontend answers. */
export async function startTemporalServer(
  serverBin: string,
  db: TemporalDatabaseSettings,
  ports: ServerPorts,
): Promise<RunningTemporalServer> {
  const child: ChildProcess = spawn(
    serverBin,
    ['--root', SERVER_CONFIG_ROOT, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...serverEnvironment(db, ports) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (b: Buffer) => (output = (output + b.toString()).slice(-20000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${ports.frontend}`;
  let gone = false;
  void exited.then(() => (gone = true));
  const ready = waitForFrontend(address, 180_000, () => gone);
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
  if (outcome === 'exited') {
    const fatal = output.split('\n').find((l) => l.includes('"level":"fatal"'));
    throw new Error(`the Temporal server exited before it was ready: ${fatal ?? output.slice(-3000)}`);
  }
  return {
    address,
    pid: child.pid ?? -1,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForFrontend(address: string, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline && !gone()) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: '5s' });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw new Error(`the Temporal frontend at ${address} did not answer: ${(last as Error)?.message}`);
}

/** What compose's temporal-namespace one-shot does: register the namespace (30 days' retention) unless it exists, then wait until it is served. */
export async function ensureNamespace(
  address: string,
  namespace: string,
  retentionDays = NAMESPACE_RETENTION_DAYS,
  timeoutMs = 120_000,
): Promise<void> {
  const connection = await Connection.connect({ address });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch {
        /* not there yet, or not yet in the frontend's cache */
      }
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000),
        });
      } catch (err) {
        if (!/already exists|AlreadyExists/i.test((err as Error).message) && Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} not served after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await connection.close();
  }
}
