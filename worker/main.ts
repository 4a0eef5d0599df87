import { databaseOptions, openDatabase } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { runMain, stopOnSignals } from '../lib/process';
import { describeStartupError } from '../lib/startup-errors';
import { startWorker, type RunningWorker } from './run';

const RETRY_MS = 5000;

/**
 * `npm run worker`: runs the workflows and activities of a real deployment (scale out freely).
 * A worker that cannot reach the database or Temporal at start does not exit: it says why, does
 * not poll (so nothing counts it as ready), and tries again every few seconds, so a worker
 * started before its database or Temporal comes up by itself.
 */
runMain('worker', async () => {
  const config = loadConfigOrExit('service');
  const logger = createLogger(config, 'worker');
  const database = await openDatabase(databaseOptions(config));
  let running: RunningWorker | undefined;
  let stopping = false;
  stopOnSignals(logger, [
    async () => {
      stopping = true;
      await running?.stop();
    },
    () => database.close(),
  ]);
  const waitUntil = async (what: string, attempt: () => Promise<void>, describe: (err: unknown) => string) => {
    for (let tries = 1; !stopping; tries++) {
      try {
        await attempt();
        if (tries > 1) logger.info({ tries }, `${what}: reachable again`);
        return;
      } catch (err) {
        logger.warn({ tries, retryInMs: RETRY_MS }, `not ready: ${describe(err)}; not polling, retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  };
  await waitUntil(
    'database',
    () => database.ping(),
    (err) => describeStartupError(err, config.databaseUrl),
  );
  await waitUntil(
    'Temporal',
    async () => {
      if (stopping) return;
      // Service mode has required SMTP_URL already (loadConfig refuses to start without it).
      running = await startWorker({ config, db: database.db, logger, smtpUrl: config.smtpUrl! });
    },
    (err) =>
      `cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(err as Error).message.split('\n')[0]}`,
  );
  running?.done.catch(async (err) => {
    logger.fatal({ err }, 'worker crashed');
    await database.close().catch(() => undefined);
    process.exit(1);
  });
});
