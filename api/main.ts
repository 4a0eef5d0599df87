import { openDatabase } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { connectClient } from '../lib/temporal-connection';
import { startApi } from './server';

/** `npm run api`: the HTTP process of a real deployment (stateless; run as many as needed). */
async function main() {
  const config = loadConfigOrExit('service');
  const logger = createLogger(config, 'api');
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    caPath: config.databaseCaPath,
  });
  const client = await connectClient(config);
  const api = await startApi({ config, db: database.db, pingDatabase: database.ping, client, logger });
  logger.info({ url: api.url }, 'API listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await api.stop();
    await client.connection.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
