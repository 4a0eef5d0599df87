/**
 * `npm run audit:verify`: walks the whole audit chain (DATABASE_URL, or the embedded PGlite under
 * DATA_DIR) checking each row's link and hash (its HMAC with AUDIT_KEY, or the key embedded mode
 * keeps under DATA_DIR), then checks the rows people read against the events: each action's
 * newest event is the one its row was projected from, and evidence, decision and extension rows
 * say what their events say. Exits non-zero naming the first broken row or each mismatch.
 * Exit codes: 0 intact, 1 broken, 78 bad configuration, 2 could not check.
 */
import { eq } from 'drizzle-orm';
import { verifyAuditChain } from '../activities/audit';
import { checkRowsAgainstAudit } from '../activities/audit-consistency';
import { databaseOptions, openDatabase } from '../db/client';
import { auditEvents } from '../db/schema';
import { readAuditKeyFile } from '../lib/audit-key';
import { loadConfigOrExit } from '../lib/config';

async function main(): Promise<number> {
  const config = loadConfigOrExit('embedded');
  const key = config.auditKey ?? readAuditKeyFile(config.dataDir);
  const database = await openDatabase(databaseOptions(config, { poolSize: 2 }));
  try {
    const result = await verifyAuditChain(database.db, { key });
    if (!result.ok) {
      const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, result.firstBadId));
      process.stderr.write(
        `audit chain BROKEN at row id ${result.firstBadId}` +
          (row ? ` (event ${row.eventKey}, type ${row.type}, action ${row.actionId ?? '-'}, at ${row.occurredAt.toISOString()})` : '') +
          `: ${result.reason}; ${result.count - 1} row(s) before it verified\n`,
      );
      return 1;
    }
    const signed = key === undefined ? `${result.keyed} signed event(s) NOT checked (no AUDIT_KEY)` : `${result.keyed} signed with the audit key`;
    process.stdout.write(`audit chain intact: ${result.count} event(s) verified (${signed})\n`);
    const rows = await checkRowsAgainstAudit(database.db);
    if (rows.problems.length) {
      process.stderr.write(`rows DO NOT MATCH the audit trail (${rows.problems.length} problem(s)):\n${rows.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    process.stdout.write(`rows match the audit trail: ${rows.checked} row(s) checked, ${rows.unattested} recorded before events carried their content\n`);
    if (key === undefined && result.keyed > 0) {
      process.stderr.write('set AUDIT_KEY to check the signatures\n');
      return 2;
    }
    return 0;
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
