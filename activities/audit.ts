/**
 * The append-only audit trail's hash chain. Each row's hash is sha256(prev_hash + canonical
 * content), so editing or deleting any row breaks every hash after it. Appends are serialised
 * with a transaction-scoped advisory lock, so two concurrent projections cannot both chain onto
 * the same predecessor.
 */
import { createHash } from 'node:crypto';
import { asc, desc, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { auditEvents } from '../db/schema';
import { canonicalJson } from '../domain/text';

export const GENESIS_HASH = '0'.repeat(64);
/** Arbitrary constant naming the audit-chain lock. */
const AUDIT_LOCK_KEY = 7_344_120_001;

export interface AuditContent {
  eventKey: string;
  actionId: string | null;
  reviewId: string | null;
  type: string;
  actor: string | null;
  payload: unknown;
  occurredAt: Date;
}

export { canonicalJson };

export function auditHash(prevHash: string, c: AuditContent): string {
  const content = canonicalJson({
    eventKey: c.eventKey,
    actionId: c.actionId,
    reviewId: c.reviewId,
    type: c.type,
    actor: c.actor,
    payload: c.payload ?? {},
    occurredAt: c.occurredAt.toISOString(),
  });
  return createHash('sha256').update(prevHash).update(content).digest('hex');
}

/** Takes the chain lock for the rest of the transaction. Call before checking idempotency, too. */
export async function lockAuditChain(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
}

/** The newest event's hash, to chain onto; read it only while holding the lock. */
export const lastAuditHash = sql<string | null>`(select ${auditEvents.hash} from ${auditEvents} order by ${auditEvents.id} desc limit 1)`;

/**
 * Appends one event; the caller holds the lock (lockAuditChain) in the same transaction.
 * `last` is the chain's head if the caller already read it under the lock (lastAuditHash).
 */
export async function appendAudit(tx: Tx, c: AuditContent, last?: { hash: string | null }): Promise<void> {
  const head = last ?? (await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1))[0];
  const prevHash = head?.hash ?? GENESIS_HASH;
  await tx.insert(auditEvents).values({ ...c, payload: c.payload ?? {}, prevHash, hash: auditHash(prevHash, c) });
}

export type AuditVerification = { ok: true; count: number } | { ok: false; firstBadId: number; count: number };

/** Walks the chain oldest first; names the first row whose link or hash does not hold. */
export async function verifyAuditChain(db: DbOrTx, batchSize = 1000): Promise<AuditVerification> {
  let prev = GENESIS_HASH;
  let lastId = 0;
  let count = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(sql`${auditEvents.id} > ${lastId}`)
      .orderBy(asc(auditEvents.id))
      .limit(batchSize);
    if (rows.length === 0) return { ok: true, count };
    for (const r of rows) {
      count += 1;
      if (r.prevHash !== prev || auditHash(prev, r) !== r.hash) return { ok: false, firstBadId: r.id, count };
      prev = r.hash;
      lastId = r.id;
    }
  }
}
