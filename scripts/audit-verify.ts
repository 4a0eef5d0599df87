/**
 * `npm run audit:verify`: walks the whole audit chain (DATABASE_URL, or the embedded PGlite under
 * DATA_DIR) checking each row's link and hash (its HMAC with AUDIT_KEY, or the key embedded mode
 * keeps under DATA_DIR), then checks the rows people read against the events: each action's
 * newest event is the one its row was projected from, and evidence, decision and extension rows
 * say what their events say. Exits non-zero naming the first broken row or each mismatch.
 * `npm run audit:verify -- --head <hash>` also says whether a published paper's audit chain head
 * (printed on its last page) is a row of this intact chain, so the paper was made from this record.
 * Exit codes: 0 intact (and the head found), 1 broken, rows not matching or head not in the chain,
 * 78 bad configuration or arguments, 2 could not check (signed events but no key to check them
 * with, no database there, unreachable, or never migrated), each with a
 * line that says which and what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq, gt, sql } from 'drizzle-orm';
import { verifyAuditChain } from '../activities/audit';
import { checkRowsAgainstAudit } from '../activities/audit-consistency';
import { databaseOptions, openDatabase } from '../db/client';
import { auditEvents } from '../db/schema';
import { readAuditKeyFile } from '../lib/audit-key';
import { loadConfigOrExit, type Config } from '../lib/config';
import { redactUrl } from '../lib/secrets';

class CannotCheck extends Error {}

/** Turns the errors of opening and reading the database into what an operator can act on. */
function explain(err: unknown, config: Config): string {
  // Drizzle wraps the driver's error ("Failed query: …"); the reason is at the end of the chain.
  let root: unknown = err;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const message = root instanceof Error ? root.message : String(root);
  const where = config.databaseUrl
    ? `the database at ${redactUrl(config.databaseUrl)} (DATABASE_URL)`
    : `the embedded database under ${config.dataDir}`;
  if (/relation "audit_events" does not exist/.test(message))
    return `${where} has no audit trail: it was never migrated (npm run migrate), or DATABASE_URL names the wrong database`;
  if (/database ".*" does not exist/.test(message))
    return `${where} does not exist: check the database name in DATABASE_URL`;
  return `could not read ${where}: ${message}`;
}

function headArgument(argv: string[]): string | null | 'bad' {
  const i = argv.indexOf('--head');
  if (i === -1) return null;
  const v = argv[i + 1] ?? '';
  return /^[0-9a-f]{64}$/i.test(v) ? v.toLowerCase() : 'bad';
}

async function main(config: Config): Promise<number> {
  const head = headArgument(process.argv.slice(2));
  if (head === 'bad') {
    process.stderr.write('--head needs the 64-character hexadecimal hash printed on the paper\n');
    return 78;
  }
  // Opening PGlite on a directory that is not there would create an empty database and then
  // report it has no audit trail: say plainly that there is nothing to check instead.
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pglite'))) {
    throw new CannotCheck(
      `no database to check: DATABASE_URL is not set and there is no embedded database under ${path.join(config.dataDir, 'pglite')} (set DATABASE_URL, or DATA_DIR to where npm start keeps its data)`,
    );
  }
  const database = await openDatabase(databaseOptions(config, { poolSize: 2 }));
  try {
    const key = config.auditKey ?? readAuditKeyFile(config.dataDir);
    const result = await verifyAuditChain(database.db, { key });
    if (!result.ok) {
      const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, result.firstBadId));
      process.stderr.write(
        `audit chain BROKEN at row id ${result.firstBadId}` +
          (row
            ? ` (event ${row.eventKey}, type ${row.type}, action ${row.actionId ?? '-'}, at ${row.occurredAt.toISOString()})`
            : '') +
          `: ${result.reason}; ${result.count - 1} row(s) before it verified\n`,
      );
      return 1;
    }
    const signed =
      key === undefined
        ? `${result.keyed} signed event(s) NOT checked (no AUDIT_KEY)`
        : `${result.keyed} signed with the audit key`;
    process.stdout.write(`audit chain intact: ${result.count} event(s) verified (${signed})\n`);
    const rows = await checkRowsAgainstAudit(database.db);
    if (rows.problems.length) {
      process.stderr.write(
        `rows DO NOT MATCH the audit trail (${rows.problems.length} problem(s)):\n${rows.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return 1;
    }
    process.stdout.write(
      `rows match the audit trail: ${rows.checked} row(s) checked, ${rows.unattested} recorded before events carried their content\n`,
    );
    if (key === undefined && result.keyed > 0) {
      process.stderr.write(
        'audit chain signatures NOT CHECKED: set AUDIT_KEY (or DATA_DIR to where npm start keeps audit.key)\n',
      );
      return 2;
    }
    if (head === null) return 0;
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.hash, head));
    if (!row) {
      process.stderr.write(
        `head ${head} is NOT in the audit chain: the paper was not made from this record, or its hash was mistyped\n`,
      );
      return 1;
    }
    const [after] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(gt(auditEvents.id, row.id));
    process.stdout.write(
      `head ${head} is in the chain: event ${row.id} (${row.type}, at ${row.occurredAt.toISOString()}); ${after.n} event(s) recorded since\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

const config = loadConfigOrExit('embedded');
main(config).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(
      `audit chain NOT CHECKED: ${err instanceof CannotCheck ? err.message : explain(err, config)}\n`,
    );
    process.exit(2);
  },
);
