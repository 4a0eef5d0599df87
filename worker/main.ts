import { openDatabase } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startWorker } from './run';

/** `npm run worker`: runs the workflows and activities of a real deployment (scale out freely). */
async function main() {
  const config = loadConfigOrExit('service');
  const logger = createLogger(config, 'worker');
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    caPath: config.databaseCaPath,
  });
  const running = await startWorker({ config, db: database.db, logger, smtpUrl: config.smtpUrl as string });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight activities');
    await running.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  running.done.catch(async (err) => {
    logger.fatal({ err }, 'worker crashed');
    await database.close().catch(() => undefined);
    process.exit(1);
  });
}

main().catch((err) => {
  process.stderr.write(`worker failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
