import { asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agencies } from '../../db/schema';

const columns = {
  id: agencies.id,
  code: agencies.code,
  name: agencies.name,
  leadEmail: agencies.leadEmail,
  seniorEmail: agencies.seniorEmail,
};

export const listAgencies = (db: DbOrTx) => db.select(columns).from(agencies).orderBy(asc(agencies.code));

/**
 * The agencies a caller may see with their contact addresses: an agency user sees its own
 * agency only (other agencies' officers' addresses are not theirs to collect); the board and
 * the administrator see every agency.
 */
export const listAgenciesFor = (db: DbOrTx, scope: { agencyId: string | null }) =>
  scope.agencyId === null
    ? listAgencies(db)
    : db.select(columns).from(agencies).where(eq(agencies.id, scope.agencyId)).orderBy(asc(agencies.code));

export async function findAgencyByCode(db: DbOrTx, code: string) {
  const [row] = await db.select(columns).from(agencies).where(eq(agencies.code, code)).limit(1);
  return row ?? null;
}

export async function agenciesByCode(db: DbOrTx, codes: string[]) {
  if (codes.length === 0) return new Map<string, { id: string; code: string }>();
  const rows = await db.select(columns).from(agencies).where(inArray(agencies.code, codes));
  return new Map(rows.map((r) => [r.code, r]));
}

/** Inserts unless the code is taken; null means it was. */
export async function insertAgency(
  db: DbOrTx,
  a: { code: string; name: string; leadEmail: string; seniorEmail?: string },
) {
  const [row] = await db
    .insert(agencies)
    .values({ code: a.code, name: a.name, leadEmail: a.leadEmail, seniorEmail: a.seniorEmail ?? null })
    .onConflictDoNothing({ target: agencies.code })
    .returning(columns);
  return row ?? null;
}
