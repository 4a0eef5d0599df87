import { loadConfigOrExit } from '../lib/config';
import { provisionTemporalCli, TemporalCliMissing } from '../lib/temporal-cli';

/** `npm run temporal:provision`: find or build the Temporal CLI (README.md, and lib/temporal-cli.ts) and print its path. */
const config = loadConfigOrExit('embedded');
provisionTemporalCli({ explicit: config.temporal.cliPath })
  .then((bin) => process.stdout.write(`${bin}\n`))
  .catch((err) => {
    process.stderr.write(`${err instanceof TemporalCliMissing ? err.message : String(err)}\n`);
    process.exit(1);
  });
