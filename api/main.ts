import { databaseOptions, openDatabase } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { stopOnSignals } from '../lib/process';
import { describeStartupError } from '../lib/startup-errors';
import { connectClient } from '../lib/temporal-connection';
import { hasActiveAdmin } from './bootstrap';
import { startApi } from './server';

class StartRefused extends Error {}
let databaseUrl: string | undefined;

/** `npm run api`: the HTTP process of a real deployment (stateless; run as many as needed). */
async function main() {
  const config = loadConfigOrExit('service');
  databaseUrl = config.databaseUrl;
  const logger = createLogger(config, 'api');
  const database = await openDatabase(databaseOptions(config));
  // An API nobody can administer is a deployment mistake worth stopping for, not a 401 later.
  if (!(await hasActiveAdmin(database.db))) {
    await database.close();
    throw new StartRefused(
      'no administrator exists: set ADMIN_TOKEN (at least 16 characters) and run `npm run migrate`, ' +
        'or run `npm run admin -- create-user --role admin --name <name> --email <address>`',
    );
  }
  const client = await connectClient(config).catch(async (err: Error) => {
    await database.close();
    throw new StartRefused(
      `cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${err.message.split('\n')[0]}`,
    );
  });
  const api = await startApi({ config, db: database.db, pingDatabase: database.ping, client, logger });
  logger.info({ url: api.url }, 'API listening');
  stopOnSignals(logger, [() => api.stop(), () => client.connection.close(), () => database.close()]);
}

main().catch((err) => {
  const message = err instanceof StartRefused ? err.message : describeStartupError(err, databaseUrl);
  process.stderr.write(`API failed to start: ${message}\n`);
  process.exit(1);
});
