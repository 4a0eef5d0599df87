import { databaseOptions, openDatabase } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { runMain, stopOnSignals } from '../lib/process';
import { connectClient } from '../lib/temporal-connection';
import { startApi } from './server';

/** `npm run api`: the HTTP process of a real deployment (stateless; run as many as needed). */
runMain('API', async () => {
  const config = loadConfigOrExit('service');
  const logger = createLogger(config, 'api');
  const database = await openDatabase(databaseOptions(config));
  const client = await connectClient(config);
  const api = await startApi({ config, db: database.db, pingDatabase: database.ping, client, logger });
  logger.info({ url: api.url }, 'API listening');
  stopOnSignals(logger, [() => api.stop(), () => client.connection.close(), () => database.close()]);
});
