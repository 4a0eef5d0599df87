import { databaseOptions, openDatabase } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { runMain, stopOnSignals } from '../lib/process';
import { startWorker } from './run';

/** `npm run worker`: runs the workflows and activities of a real deployment (scale out freely). */
runMain('worker', async () => {
  const config = loadConfigOrExit('service');
  const logger = createLogger(config, 'worker');
  const database = await openDatabase(databaseOptions(config));
  // Service mode has required SMTP_URL already (loadConfig refuses to start without it).
  const running = await startWorker({ config, db: database.db, logger, smtpUrl: config.smtpUrl! });
  stopOnSignals(logger, [() => running.stop(), () => database.close()]);
  running.done.catch(async (err) => {
    logger.fatal({ err }, 'worker crashed');
    await database.close().catch(() => undefined);
    process.exit(1);
  });
});
