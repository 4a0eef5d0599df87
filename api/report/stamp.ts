import { desc, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { auditEvents } from '../../db/schema';

/**
 * What a published paper carries on its last page so a copy can be checked later: when it was
 * made, the instant its data was read at, and the audit chain's head at that instant
 * (`npm run audit:verify -- --head <hash>` says whether that head is in the chain).
 */
export interface PaperStamp {
  boardName: string;
  generatedAt: string;
  asOf: string;
  auditHead: { id: number; hash: string } | null;
}

export async function readStamp(tx: DbOrTx, boardName: string, generatedAt: Date): Promise<PaperStamp> {
  const [head] = await tx
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  const res = (await tx.execute(sql`select transaction_timestamp() as at`)) as unknown as {
    rows: { at: Date | string }[];
  };
  const at = res.rows[0].at;
  return {
    boardName,
    generatedAt: generatedAt.toISOString(),
    asOf: new Date(at).toISOString(),
    auditHead: head ?? null,
  };
}

/**
 * Reads a report and its stamp in one read-only snapshot, so the figures, the as-of instant and
 * the audit head all describe the same moment even while workflows keep projecting.
 */
export function inSnapshot<T>(db: Db, read: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction((tx) => read(tx), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}
