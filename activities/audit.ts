/**
 * The append-only audit trail's hash chain. Each row's hash covers the previous row's hash and
 * its own canonical content, so editing or deleting any row breaks every hash after it. Appends
 * are serialised with a transaction-scoped advisory lock, so two concurrent projections cannot
 * both chain onto the same predecessor.
 *
 * Two schemes, recorded per row: 1 is sha256(prev_hash + content), which anyone with database
 * access can recompute after an edit; 2 is HMAC-SHA256 under AUDIT_KEY, which they cannot
 * without the key. Rows written before the key existed stay scheme 1 and verifiable; once a
 * scheme-2 row exists, every later row must be scheme 2 (no downgrade), and the newest row must
 * be too (the worker seals an old chain with a keyed event when it starts with a key).
 */
import { createHash, createHmac } from 'node:crypto';
import { asc, desc, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client';
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

export type AuditScheme = 1 | 2;

export function auditHash(prevHash: string, c: AuditContent, key?: string): string {
  const content = canonicalJson({
    eventKey: c.eventKey,
    actionId: c.actionId,
    reviewId: c.reviewId,
    type: c.type,
    actor: c.actor,
    payload: c.payload ?? {},
    occurredAt: c.occurredAt.toISOString(),
  });
  if (key === undefined) return createHash('sha256').update(prevHash).update(content).digest('hex');
  return createHmac('sha256', key).update('audit-v2\n').update(prevHash).update(content).digest('hex');
}

/** Takes the chain lock for the rest of the transaction. Call before checking idempotency, too. */
export async function lockAuditChain(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
}

/** The newest event's hash, to chain onto; read it only while holding the lock. */
export const lastAuditHash = sql<
  string | null
>`(select ${auditEvents.hash} from ${auditEvents} order by ${auditEvents.id} desc limit 1)`;

/**
 * Appends one event; the caller holds the lock (lockAuditChain) in the same transaction.
 * `last` is the chain's head if the caller already read it under the lock (lastAuditHash).
 */
/**
 * The key every append in this process signs with, unless a caller passes one. The worker and
 * the API both append events (transitions; token and calendar administration), and one chain
 * must not mix signed and unsigned rows: each process sets it once at start from AUDIT_KEY.
 */
let processAuditKey: string | undefined;
export function useAuditKey(key: string | undefined): void {
  if (key !== undefined) processAuditKey = key;
}

export async function appendAudit(
  tx: Tx,
  c: AuditContent,
  last?: { hash: string | null },
  key: string | undefined = processAuditKey,
): Promise<void> {
  const head =
    last ?? (await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1))[0];
  const prevHash = head?.hash ?? GENESIS_HASH;
  await tx.insert(auditEvents).values({
    ...c,
    payload: c.payload ?? {},
    prevHash,
    hash: auditHash(prevHash, c, key),
    scheme: key === undefined ? 1 : 2,
  });
}

/**
 * With a key, a chain whose newest row is unkeyed gets one keyed event on top: from then on a
 * rewrite of the older rows breaks a link the key protects. Idempotent; run at worker start.
 */
export async function sealAuditChain(db: Db, key: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const [head] = await tx
      .select({ id: auditEvents.id, hash: auditEvents.hash, scheme: auditEvents.scheme })
      .from(auditEvents)
      .orderBy(desc(auditEvents.id))
      .limit(1);
    if (!head || head.scheme === 2) return false;
    await appendAudit(
      tx,
      {
        eventKey: `audit-keyed:${head.id}`,
        actionId: null,
        reviewId: null,
        type: 'audit_key_in_use',
        actor: null,
        payload: { sealsEventId: head.id },
        occurredAt: new Date(),
      },
      { hash: head.hash },
      key,
    );
    return true;
  });
}

export type AuditVerification =
  { ok: true; count: number; keyed: number } | { ok: false; firstBadId: number; count: number; reason: string };

/**
 * Walks the chain oldest first; names the first row whose link or hash does not hold. Without
 * the key, keyed rows have their links checked but not their signatures (say so to the reader).
 */
export async function verifyAuditChain(
  db: DbOrTx,
  opts: { key?: string; batchSize?: number } = {},
): Promise<AuditVerification> {
  const batchSize = opts.batchSize ?? 1000;
  let prev = GENESIS_HASH;
  let lastId = 0;
  let count = 0;
  let keyed = 0;
  let lastScheme = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(sql`${auditEvents.id} > ${lastId}`)
      .orderBy(asc(auditEvents.id))
      .limit(batchSize);
    if (rows.length === 0) {
      if (opts.key !== undefined && lastScheme === 1) {
        return {
          ok: false,
          firstBadId: lastId,
          count,
          reason:
            'the newest event is not signed with the audit key (rewritten without it, or the worker has not sealed the chain since the key was set)',
        };
      }
      return { ok: true, count, keyed };
    }
    for (const r of rows) {
      count += 1;
      const bad = (reason: string): AuditVerification => ({ ok: false, firstBadId: r.id, count, reason });
      if (r.prevHash !== prev) return bad('its link to the previous row does not match');
      if (r.scheme === 1) {
        if (lastScheme === 2) return bad('an unsigned row after signed ones (a downgrade)');
        if (auditHash(prev, r) !== r.hash) return bad('its hash does not match its content');
      } else if (r.scheme === 2) {
        keyed += 1;
        if (opts.key !== undefined && auditHash(prev, r, opts.key) !== r.hash)
          return bad('its signature does not match its content (or the audit key is not the one it was signed with)');
      } else return bad(`unknown scheme ${r.scheme}`);
      lastScheme = r.scheme;
      prev = r.hash;
      lastId = r.id;
    }
  }
}
