/**
 * `npm run soak`: the fault scenarios at scale, outside jest. Starts its own Temporal
 * dev server (and, for the restart scenario, a second one with persisted state), uses the local
 * Postgres for the shared-database scenarios and a cluster of its own for the restart. Prints what
 * it did and what it found, writes the figures to test-artifacts/soak.json, and exits non-zero if
 * anything was lost, repeated without a crash to explain it, or refused wrongly.
 *
 *   SOAK_SCALE=500 SOAK_FUZZ=10000 SOAK_ROUNDS=25 SOAK_KILLS=3 npm run soak
 *   SOAK_ONLY=fuzz,webfuzz,duplicates npm run soak   (names: worker-kill, digest-kill, smtp-down, …)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApi } from '../../api/server';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { freePort, provisionTemporalCli, startDevServer, type DevServer } from '../../lib/temporal-cli';
import { ApiStack } from '../api/stack';
import { FUZZ_STACK_OPTIONS, concurrentDuplicates, fuzzWriteRoutes } from './api-scenarios';
import { PgCluster } from './pg-cluster';
import { fuzzWebForms } from './web-scenarios';
import {
  digestWorkerKilled,
  postgresRestarted,
  smtpDown,
  temporalRestarted,
  workerKilled,
  type ScenarioReport,
} from './scenarios';
import { FaultStack, ROOT } from './stack';

const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const SCALE = num(process.env.SOAK_SCALE, 500);
const FUZZ = num(process.env.SOAK_FUZZ, 10_000);
const WEB_FUZZ = num(process.env.SOAK_WEB_FUZZ, 2_000);
const ROUNDS = num(process.env.SOAK_ROUNDS, 25);
const KILLS = num(process.env.SOAK_KILLS, 3);
const ONLY = process.env.SOAK_ONLY ? new Set(process.env.SOAK_ONLY.split(',')) : undefined;

const started = Date.now();
const log = (line: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

async function main(): Promise<number> {
  process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  const cliPath = await provisionTemporalCli({ explicit: process.env.TEMPORAL_CLI_PATH || undefined });
  process.env.TEMPORAL_CLI_PATH = cliPath;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actionplan-soak-'));
  const shared = await startDevServer({
    cliPath,
    port: await freePort(),
    headless: true,
    extraArgs: ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off'],
    dbFilename: path.join(tmp, 'shared.db'),
  });
  process.env.TEST_TEMPORAL_ADDRESS = shared.address;
  log(
    `soak: scale ${SCALE} actions per lifecycle scenario, ${KILLS} worker kills, ${ROUNDS} duplicate rounds, ${FUZZ} fuzz requests; Temporal at ${shared.address}`,
  );

  const reports: ScenarioReport[] = [];
  const scenario = async (name: string, run: () => Promise<ScenarioReport>) => {
    if (ONLY && !ONLY.has(name)) return;
    const t0 = Date.now();
    log(`--- ${name}`);
    try {
      const r = await run();
      r.did.seconds = Math.round((Date.now() - t0) / 1000);
      reports.push(r);
      log(`${name}: did ${JSON.stringify(r.did)}`);
      log(`${name}: found ${JSON.stringify(r.found)}`);
      for (const p of r.problems) log(`${name}: PROBLEM ${p}`);
    } catch (err) {
      reports.push({
        scenario: name,
        did: { seconds: Math.round((Date.now() - t0) / 1000) },
        found: {} as ScenarioReport['found'],
        problems: [`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`],
      });
      log(`${name}: CRASHED ${String(err)}`);
    }
  };

  const withStack = async <T>(
    opts: ConstructorParameters<typeof FaultStack>[0],
    fn: (s: FaultStack) => Promise<T>,
  ): Promise<T> => {
    const s = await new FaultStack(opts).start();
    try {
      return await fn(s);
    } finally {
      await s.stop();
    }
  };
  const withApi = async <T>(fn: (s: ApiStack) => Promise<T>, opts = {}): Promise<T> => {
    const s = await new ApiStack(opts).start();
    try {
      return await fn(s);
    } finally {
      await s.stop();
    }
  };

  try {
    await scenario('worker-kill', () =>
      withStack({ name: 'kill', temporalAddress: shared.address, log }, (s) =>
        workerKilled(s, { scale: SCALE, kills: KILLS }, log),
      ),
    );
    // Issue 18: one digest per person and day through two kills; at scale, SCALE / 5 people.
    await scenario('digest-kill', () =>
      withStack({ name: 'digestkill', temporalAddress: shared.address, log }, (s) =>
        digestWorkerKilled(s, { scale: Math.max(12, Math.round(SCALE / 5)), actions: 5, day: '2026-12-01' }, log),
      ),
    );
    await scenario('smtp-down', () =>
      withStack({ name: 'smtp', temporalAddress: shared.address, log }, (s) =>
        smtpDown(s, { scale: SCALE, downMs: 30_000 }, log),
      ),
    );
    await scenario('postgres-restart', async () => {
      const cluster = await new PgCluster().create();
      try {
        return await withStack(
          { name: 'pg', temporalAddress: shared.address, databaseUrl: cluster.url, log },
          async (s) => {
            const config = loadConfig('service', {
              ...(s.workerEnv() as Record<string, string>),
              PORT: '0',
              LOG_LEVEL: 'silent',
            });
            const api = await startApi({
              config,
              db: s.db,
              pingDatabase: s.handle.ping,
              client: s.client,
              logger: createLogger(config, 'api'),
            });
            try {
              return await postgresRestarted(s, api, cluster, { scale: SCALE, downMs: 15_000 }, log);
            } finally {
              await api.stop();
            }
          },
        );
      } finally {
        cluster.destroy();
      }
    });
    await scenario('temporal-restart', async () => {
      const port = await freePort();
      const dbFilename = path.join(tmp, 'restart.db');
      const start = () => startDevServer({ cliPath, port, headless: true, dbFilename });
      let server: DevServer = await start();
      try {
        const restart = async () => {
          await server.stop();
          server = await start();
        };
        return await withStack({ name: 'temporal', temporalAddress: server.address, log }, (s) =>
          temporalRestarted(s, { restart }, { scale: SCALE }, log),
        );
      } finally {
        await server.stop();
      }
    });
    await scenario('duplicates', () => withApi((s) => concurrentDuplicates(s, { rounds: ROUNDS }, log)));
    await scenario('fuzz', () =>
      withApi((s) => fuzzWriteRoutes(s, { requests: FUZZ, seed: Date.now() % 1_000_000 }, log), FUZZ_STACK_OPTIONS),
    );
    await scenario('webfuzz', () =>
      withApi((s) => fuzzWebForms(s, { requests: WEB_FUZZ, seed: Date.now() % 1_000_000 }, log), FUZZ_STACK_OPTIONS),
    );
  } finally {
    await shared.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const out = path.join(ROOT, 'test-artifacts', 'soak.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const summary = {
    finishedAt: new Date().toISOString(),
    minutes: Math.round((Date.now() - started) / 6000) / 10,
    scale: SCALE,
    kills: KILLS,
    fuzz: FUZZ,
    webFuzz: WEB_FUZZ,
    rounds: ROUNDS,
    cpus: os.cpus().length,
    reports,
  };
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  const failed = reports.filter((r) => r.problems.length);
  log(
    `soak: ${reports.length} scenario(s) in ${summary.minutes} min; ${failed.length ? `FAILED: ${failed.map((r) => r.scenario).join(', ')}` : 'nothing lost, nothing refused wrongly'}; figures in ${path.relative(ROOT, out)}`,
  );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
