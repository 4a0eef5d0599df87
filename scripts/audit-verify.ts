/**
 * `npm run audit:verify`: walks the whole audit hash chain (DATABASE_URL, or the embedded
 * PGlite under DATA_DIR) and exits non-zero naming the first row whose link or hash is wrong.
 * Exit codes: 0 intact, 1 broken, 78 bad configuration, 2 could not check.
 */
import { eq } from 'drizzle-orm';
import { verifyAuditChain } from '../activities/audit';
import { databaseOptions, openDatabase } from '../db/client';
import { auditEvents } from '../db/schema';
import { loadConfigOrExit } from '../lib/config';

async function main(): Promise<number> {
  const config = loadConfigOrExit('embedded');
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

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`audit verification failed to run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
