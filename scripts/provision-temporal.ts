import { loadConfigOrExit } from '../lib/config';
import { provisionTemporalCli, TemporalCliMissing } from '../lib/temporal-cli';
import { provisionTemporalServer, TemporalServerMissing } from '../lib/temporal-server';

/**
 * `npm run temporal:provision`: find or build the Temporal CLI (README.md; lib/temporal-cli.ts) and print its
 * path; with `--server`, also the Temporal server and its SQL tool that `npm run stack:prod` runs.
 */
const config = loadConfigOrExit('embedded');
async function main() {
  process.stdout.write(`${await provisionTemporalCli({ explicit: config.temporal.cliPath })}\n`);
  if (process.argv.includes('--server')) {
    const bins = await provisionTemporalServer();
    process.stdout.write(`${bins.server}\n${bins.sql}\n`);
  }
}
main().catch((err) => {
  process.stderr.write(
    `${err instanceof TemporalCliMissing || err instanceof TemporalServerMissing ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
