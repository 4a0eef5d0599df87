import { loadConfigOrExit } from '../lib/config';
import { databaseOptions, openDatabase } from './client';
import { migrate } from './migrate';

/** `npm run migrate`: the one-shot migration step of a real deployment. */
async function main() {
  const config = loadConfigOrExit('embedded') // migrating needs only the database settings;
  const handle = await openDatabase(databaseOptions(config));
  try {
    await migrate(handle);
    process.stdout.write(`migrations applied (${handle.kind})\n`);
  } finally {
    await handle.close();
  }
}

main().catch((err) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
