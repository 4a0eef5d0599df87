import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { sealAuditChain } from '../activities/audit';
import { setBoardTimeZone } from '../lib/board-time';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createMailer } from '../lib/mailer';
import { connectClient, nativeConnectionOptions } from '../lib/temporal-connection';
import { ensureDigestSchedule } from '../lib/digest-schedule';
import { startHeartbeat } from '../lib/worker-heartbeat';
import { bundleInChildProcess } from './bundle-apart';
import { createWorker } from './create-worker';

/** Production images ship a pre-built bundle (npm run build:workflows); elsewhere we bundle from source at start. */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'dist', 'workflow-bundle.js');

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The SDK's process-wide runtime. Its logs (and webpack's bundling report) go through pino, so a
 * deployment gets one JSON log stream; below WARN they are mostly the bundler's chatter, hence
 * the floor. With a metrics port, the SDK's own Prometheus exporter serves its metrics (task
 * latencies, schedule-to-start, slots, polls) at /metrics there.
 */
function installRuntime(logger: Logger, metricsPort: number | undefined): void {
  const sdk = logger.child({ component: 'temporal-sdk' });
  const level: LogLevel = logger.isLevelEnabled('debug') ? 'DEBUG' : 'WARN';
  try {
    Runtime.install({
      logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
        const method = l === 'ERROR' ? 'error' : l === 'WARN' ? 'warn' : l === 'INFO' ? 'info' : 'debug';
        sdk[method](meta ?? {}, message);
      }),
      ...(metricsPort !== undefined
        ? {
            telemetryOptions: {
              metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}`, useSecondsForDurations: true } },
            },
          }
        : {}),
    });
    if (metricsPort !== undefined) logger.info({ port: metricsPort }, 'worker metrics served at /metrics');
  } catch {
    // Already installed (a second worker in the same process): keep the first.
  }
}

export async function startWorker(opts: {
  config: Config;
  db: Db;
  logger: Logger;
  smtpUrl: string;
}): Promise<RunningWorker> {
  const { config, logger } = opts;
  setBoardTimeZone(config.boardTimeZone);
  installRuntime(logger, config.workerMetricsPort);
  const connection = await NativeConnection.connect(nativeConnectionOptions(config));
  const mailer = createMailer(opts.smtpUrl, config.mailFrom, { caPath: config.smtpCaPath });
  const activities = createActivities({
    db: opts.db,
    mailer,
    config: { publicUrl: config.publicUrl, boardChairEmail: config.boardChairEmail, mailFrom: config.mailFrom },
    log: logger,
    auditKey: config.auditKey,
  });
  if (config.auditKey && (await sealAuditChain(opts.db, config.auditKey)))
    logger.info('audit chain sealed with the audit key');
  // Only production images use the pre-built bundle: in a working tree a leftover bundle would
  // silently run old workflow code, so elsewhere a fresh one is built at every start.
  // WORKFLOW_BUNDLE_PATH names one explicitly (a rolling upgrade starts new workers on a new one).
  const prebuiltPath =
    config.workflowBundlePath ??
    (config.env === 'production' && fs.existsSync(WORKFLOW_BUNDLE_PATH) ? WORKFLOW_BUNDLE_PATH : undefined);
  const prebuilt = prebuiltPath !== undefined;
  const bundle = prebuiltPath ? { codePath: prebuiltPath, remove: () => undefined } : await bundleInChildProcess();
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    workflowBundle: { codePath: bundle.codePath },
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
  }).finally(bundle.remove);
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      prebuiltBundle: prebuilt,
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
    },
    'worker polling',
  );
  const done = worker.run().finally(() => connection.close());
  // Issue 18: the 08:00 digest Schedule; a worker that cannot make it still serves its queue.
  void scheduleDigests(config)
    .then((schedule) => logger.info({ schedule }, 'daily digest schedule'))
    .catch((err) => logger.warn({ err }, 'daily digest schedule not set up'));
  const heartbeat = await startHeartbeat({
    db: opts.db,
    taskQueue: config.temporal.taskQueue,
    polling: () => worker.getState() === 'RUNNING',
    logger,
  });
  // A worker that stops for any reason, crash included, takes its row with it.
  const gone = done.finally(() => heartbeat.stop().catch(() => undefined));
  gone.catch(() => undefined);
  return {
    worker,
    done,
    stop: async () => {
      // Unannounce first: readiness must not count a worker that has stopped taking work.
      await heartbeat.stop().catch((err) => logger.warn({ err }, 'worker heartbeat not removed'));
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch((err) => logger.error({ err }, 'worker stopped with an error'));
    },
  };
}

async function scheduleDigests(config: Config) {
  const client = await connectClient(config);
  try {
    return await ensureDigestSchedule(client, config.temporal.taskQueue, config.boardTimeZone);
  } finally {
    await client.connection.close();
  }
}
