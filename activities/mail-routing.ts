/**
 * Who really receives a composed mail (issue 18): decided when the mail is stored, so a running
 * workflow needs no change and a mail always follows today's owner, cover and preferences.
 *
 * - A deactivated person's mail goes to their agency's lead address instead.
 * - A person on cover today has their mail sent to the deputy (and a copy to themselves if they
 *   asked for one).
 * - For the kinds a person may take in the daily digest, a person who chose the digest is taken
 *   off the mail and gets a digest item instead.
 */
import { and, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import {
  agencies,
  covers,
  DIGESTIBLE_KINDS,
  mailDefaults,
  mailPreferences,
  users,
  type DigestibleKind,
} from '../db/schema';
import { dueOn } from '../lib/board-time';

export interface KnownPerson {
  userId: string;
  email: string;
  deactivated: boolean;
  agencyLeadEmail: string | null;
  /** The cover running today, with an active deputy. */
  cover: { deputyEmail: string; copyMe: boolean } | null;
}

const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
const uniq = (xs: string[]) => [...new Set(lower(xs))];

/** Pure: the addresses after deactivation and cover are applied. */
export function routeAddresses(
  mail: { to: string[]; cc: string[] },
  people: Map<string, KnownPerson>,
): { to: string[]; cc: string[] } {
  const extraCc: string[] = [];
  const route = (addr: string): string => {
    const p = people.get(addr.toLowerCase());
    if (!p) return addr.toLowerCase();
    // The lead address is the agency's own mailbox: it keeps receiving even if that person left.
    if (p.deactivated) return (p.agencyLeadEmail ?? addr).toLowerCase();
    if (p.cover) {
      if (p.cover.copyMe) extraCc.push(p.email);
      return p.cover.deputyEmail.toLowerCase();
    }
    return addr.toLowerCase();
  };
  const to = uniq(mail.to.map(route));
  const cc = uniq([...mail.cc.map(route), ...extraCc]).filter((c) => !to.includes(c));
  return { to, cc };
}

/** Today as a board-local day (covers are whole days in the board's time zone). */
export const boardToday = (now: Date): string => dueOn(now);

/** The people behind these addresses, with any cover running on `today`. */
export async function knownPeople(db: DbOrTx, emails: string[], today: string): Promise<Map<string, KnownPerson>> {
  const out = new Map<string, KnownPerson>();
  const wanted = uniq(emails);
  if (!wanted.length) return out;
  const rows = await db
    .select({
      userId: users.id,
      email: users.email,
      deactivatedAt: users.deactivatedAt,
      leadEmail: agencies.leadEmail,
    })
    .from(users)
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    .where(inArray(sql`lower(${users.email})`, wanted));
  if (!rows.length) return out;
  const deputy = alias(users, 'deputy');
  const running = await db
    .select({ userId: covers.userId, deputyEmail: deputy.email, copyMe: covers.copyMe })
    .from(covers)
    .innerJoin(deputy, eq(deputy.id, covers.deputyId))
    .where(
      and(
        inArray(
          covers.userId,
          rows.map((r) => r.userId),
        ),
        lte(covers.startsOn, today),
        gte(covers.endsOn, today),
        isNull(deputy.deactivatedAt),
      ),
    );
  for (const r of rows) {
    const c = running.find((x) => x.userId === r.userId);
    out.set(r.email.toLowerCase(), {
      userId: r.userId,
      email: r.email.toLowerCase(),
      deactivated: r.deactivatedAt !== null,
      agencyLeadEmail: r.leadEmail,
      cover: c ? { deputyEmail: c.deputyEmail, copyMe: c.copyMe } : null,
    });
  }
  return out;
}

export const isDigestible = (kind: string): kind is DigestibleKind =>
  (DIGESTIBLE_KINDS as readonly string[]).includes(kind);

/** The people among these addresses who take this kind in their digest: address → user id. */
export async function digestTakers(db: DbOrTx, emails: string[], kind: DigestibleKind): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = uniq(emails);
  if (!wanted.length) return out;
  const [fallback] = await db
    .select({ delivery: mailDefaults.delivery })
    .from(mailDefaults)
    .where(eq(mailDefaults.kind, kind));
  const rows = await db
    .select({ userId: users.id, email: users.email, own: mailPreferences.delivery })
    .from(users)
    .leftJoin(mailPreferences, and(eq(mailPreferences.userId, users.id), eq(mailPreferences.kind, kind)))
    .where(and(inArray(sql`lower(${users.email})`, wanted), isNull(users.deactivatedAt)));
  for (const r of rows) {
    const delivery = r.own ?? fallback?.delivery ?? 'immediate';
    if (delivery === 'digest') out.set(r.email.toLowerCase(), r.userId);
  }
  return out;
}
