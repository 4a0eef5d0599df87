/**
 * Each person's choice, per kind of mail, between immediate mail and the daily digest (issue 18),
 * and the partnership's default for people who have not chosen (set by the admin; `immediate`
 * when unset, so an upgraded deployment mails as before).
 */
import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import {
  DIGESTIBLE_KINDS,
  NOTIFICATION_KINDS,
  mailDefaults,
  mailPreferences,
  type Delivery,
  type DigestibleKind,
} from '../../db/schema';
import type { Actor } from '../../workflows/types';
import { coversOf } from './cover';
import { recordPeopleEvent } from './people-audit';

export type DeliveryChoices = Record<DigestibleKind, Delivery>;

const ALWAYS_IMMEDIATE = NOTIFICATION_KINDS.filter(
  (k) => k !== 'digest' && !(DIGESTIBLE_KINDS as readonly string[]).includes(k),
);

export async function mailDefaultsOf(db: DbOrTx): Promise<DeliveryChoices> {
  const rows = await db.select().from(mailDefaults);
  return Object.fromEntries(
    DIGESTIBLE_KINDS.map((k) => [k, rows.find((r) => r.kind === k)?.delivery ?? 'immediate']),
  ) as DeliveryChoices;
}

export async function deliveryOf(db: DbOrTx, userId: string): Promise<DeliveryChoices> {
  const [fallback, own] = await Promise.all([
    mailDefaultsOf(db),
    db.select().from(mailPreferences).where(eq(mailPreferences.userId, userId)),
  ]);
  return Object.fromEntries(
    DIGESTIBLE_KINDS.map((k) => [k, own.find((r) => r.kind === k)?.delivery ?? fallback[k]]),
  ) as DeliveryChoices;
}

export async function preferencesOf(db: Db, actor: Actor) {
  return {
    delivery: await deliveryOf(db, actor.userId),
    alwaysImmediate: [...ALWAYS_IMMEDIATE],
    covers: await coversOf(db, actor.userId),
  };
}

/** Only digestible kinds reach here: the edge schema refuses the others, naming the field. */
export async function setPreferences(db: Db, actor: Actor, input: { delivery?: Record<string, Delivery> }) {
  const chosen = Object.entries(input.delivery ?? {}).filter(([k]) =>
    (DIGESTIBLE_KINDS as readonly string[]).includes(k),
  ) as [DigestibleKind, Delivery][];
  if (chosen.length) {
    await db
      .insert(mailPreferences)
      .values(chosen.map(([kind, delivery]) => ({ userId: actor.userId, kind, delivery })))
      .onConflictDoUpdate({
        target: [mailPreferences.userId, mailPreferences.kind],
        set: { delivery: sql`excluded.delivery`, updatedAt: sql`now()` },
      });
  }
  return preferencesOf(db, actor);
}

export async function setMailDefaults(db: Db, actor: Actor, input: Partial<DeliveryChoices>): Promise<DeliveryChoices> {
  const chosen = Object.entries(input).filter(([, v]) => v !== undefined) as [DigestibleKind, Delivery][];
  await db.transaction(async (tx) => {
    if (chosen.length)
      await tx
        .insert(mailDefaults)
        .values(chosen.map(([kind, delivery]) => ({ kind, delivery })))
        .onConflictDoUpdate({
          target: mailDefaults.kind,
          set: { delivery: sql`excluded.delivery`, updatedAt: sql`now()` },
        });
    await recordPeopleEvent(tx, 'mail_defaults_set', actor.userId, Object.fromEntries(chosen));
  });
  return mailDefaultsOf(db);
}
