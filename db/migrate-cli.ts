import { ensureAdmin, ensureChair, hasActiveAdmin } from '../api/bootstrap';
import { useAuditKey } from '../activities/audit';
import { readAuditKeyFile } from '../lib/audit-key';
import { loadConfig, type Config } from '../lib/config';
import { describeStartupError, isConfigError } from '../lib/startup-errors';
import { databaseOptions, openDatabase } from './client';
import { migrate } from './migrate';

/**
 * `npm run migrate`: the one-shot step of a release. Applies the committed migrations, then
 * ensures the bootstrap admin holds ADMIN_TOKEN. Needs DATABASE_URL: a local PGlite is migrated
 * only when asked for with `--embedded`, never by accident.
 */
async function main(args: string[]): Promise<void> {
  const embedded = args.includes('--embedded');
  const unknown = args.filter((a) => a !== '--embedded');
  if (unknown.length) throw new UsageError(`unknown argument ${unknown[0]} (the only option is --embedded)`);
  const config: Config = loadConfig('embedded');
  if (!config.databaseUrl && !embedded) {
    throw new UsageError(
      'DATABASE_URL is not set: set it to the Postgres to migrate, or pass --embedded to migrate the local PGlite under DATA_DIR',
    );
  }
  const handle = await openDatabase(databaseOptions(config, embedded ? { databaseUrl: undefined } : {}));
  // The bootstrap admin's token is an audited event: signed like every other.
  useAuditKey(config.auditKey ?? readAuditKeyFile(config.dataDir));
  try {
    const adminToken = config.adminToken;
    await migrate(handle, async () => {
      if (adminToken)
        await ensureAdmin(handle.db, adminToken, { tokenTtlDays: config.apiTokenTtlDays, actor: 'migrate' });
      // Issue 20: the BOARD_CHAIR_EMAIL user is the chair.
      await ensureChair(handle.db, config.boardChairEmail, 'migrate');
    });
    process.stdout.write(`migrations applied (${handle.kind})\n`);
    if (adminToken) {
      process.stdout.write(
        `bootstrap admin admin@localhost holds ADMIN_TOKEN (valid ${config.apiTokenTtlDays} days)\n`,
      );
    } else if (!(await hasActiveAdmin(handle.db)) && !embedded) {
      process.stdout.write(
        'no administrator yet: set ADMIN_TOKEN (at least 16 characters) and run `npm run migrate` again, ' +
          'or `npm run admin -- create-user --role admin --name <name> --email <address>`\n',
      );
    }
  } finally {
    await handle.close();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err) => {
  const config = (() => {
    try {
      return loadConfig('embedded');
    } catch {
      return undefined;
    }
  })();
  process.stderr.write(
    `migrate failed: ${err instanceof UsageError ? err.message : describeStartupError(err, config?.databaseUrl)}\n`,
  );
  process.exit(isConfigError(err) || err instanceof UsageError ? 78 : 1);
});
