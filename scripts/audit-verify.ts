/**
 * `npm run audit:verify`: walks the whole audit hash chain (DATABASE_URL, or the embedded
 * PGlite under DATA_DIR) and exits non-zero naming the first row whose link or hash is wrong.
 * Exit codes: 0 intact, 1 broken, 78 bad configuration, 2 could not check (no database there,
 * unreachable, or never migrated), each with a line that says which and what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { verifyAuditChain } from '../activities/audit';
import { databaseOptions, openDatabase } from '../db/client';
import { auditEvents } from '../db/schema';
import { loadConfigOrExit, type Config } from '../lib/config';
import { redactUrl } from '../lib/secrets';

class CannotCheck extends Error {}

/** Turns the errors of opening and reading the database into what an operator can act on. */
function explain(err: unknown, config: Config): string {
  // Drizzle wraps the driver's error ("Failed query: …"); the reason is at the end of the chain.
  let root: unknown = err;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const message = root instanceof Error ? root.message : String(root);
  const where = config.databaseUrl ? `the database at ${redactUrl(config.databaseUrl)} (DATABASE_URL)` : `the embedded database under ${config.dataDir}`;
  if (/relation "audit_events" does not exist/.test(message)) return `${where} has no audit trail: it was never migrated (npm run migrate), or DATABASE_URL names the wrong database`;
  if (/database ".*" does not exist/.test(message)) return `${where} does not exist: check the database name in DATABASE_URL`;
  return `could not read ${where}: ${message}`;
}

async function main(config: Config): Promise<number> {
  // Opening PGlite on a directory that is not there would create an empty database and then
  // report it has no audit trail: say plainly that there is nothing to check instead.
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pglite'))) {
    throw new CannotCheck(
      `no database to check: DATABASE_URL is not set and there is no embedded database under ${path.join(config.dataDir, 'pglite')} (set DATABASE_URL, or DATA_DIR to where npm start keeps its data)`,
    );
  }
  const database = await openDatabase(databaseOptions(config, { poolSize: 2 }));
  try {
    const result = await verifyAuditChain(database.db);
    if (result.ok) {
      process.stdout.write(`audit chain intact: ${result.count} event(s) verified\n`);
      return 0;
    }
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, result.firstBadId));
    process.stderr.write(
      `audit chain BROKEN at row id ${result.firstBadId}` +
        (row ? ` (event ${row.eventKey}, type ${row.type}, action ${row.actionId ?? '-'}, at ${row.occurredAt.toISOString()})` : '') +
        `: its hash or its link to the previous row does not match; ${result.count - 1} row(s) before it verified\n`,
    );
    return 1;
  } finally {
    await database.close();
  }
}

const config = loadConfigOrExit('embedded');
main(config).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`audit chain NOT CHECKED: ${err instanceof CannotCheck ? err.message : explain(err, config)}\n`);
    process.exit(2);
  },
);
