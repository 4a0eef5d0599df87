import { eq } from 'drizzle-orm';
import { perDatabase, type DbOrTx } from '../../db/client';
import { readModelVersion } from '../../db/schema';
import { listActions, type ActionFilters } from './actions';
import type { Scope } from './scope';

export type ActionPageView = Awaited<ReturnType<typeof listActions>>;

/** A page and its JSON text, serialised once. */
export interface CachedActionPage {
  page: ActionPageView;
  json: string;
}

const versionRead = perDatabase((db) =>
  db
    .select({ version: readModelVersion.version })
    .from(readModelVersion)
    .where(eq(readModelVersion.id, 1))
    .prepare('read_model_version'),
);

/** The committed version of everything a page of actions shows (migration 0003's triggers bump it with every write). */
export async function readModelVersionOf(db: DbOrTx): Promise<number> {
  const [row] = await versionRead(db).execute();
  if (!row) throw new Error('read_model_version has no row: the database is not migrated');
  return row.version;
}

/**
 * Pages of GET /actions, kept per filter/scope/page with the version they were read at. Every
 * request reads the committed version first (one primary-key read), and a cached page is served
 * only when it was read at that same version: any write to actions, reviews, recommendations or
 * agencies committed before the request bumped the version, so the page is read again. A page is
 * read after its version, so its rows are at least that new (never older than the version it is
 * filed under). Pages that depend on the clock (the overdue filter) are never cached. Concurrent
 * misses for the same page and version share one read.
 */
export class ActionListCache {
  private readonly entries = new Map<string, { version: number; value: Promise<CachedActionPage> }>();

  constructor(private readonly maxEntries = 256) {}

  async get(
    db: DbOrTx,
    scope: Scope,
    f: ActionFilters,
    page: { page: number; pageSize: number },
  ): Promise<CachedActionPage> {
    const read = () => listActions(db, scope, f, page).then((p) => ({ page: p, json: JSON.stringify(p) }));
    if (f.overdue !== undefined) return read();
    const version = await readModelVersionOf(db);
    const key = JSON.stringify([
      scope.agencyId,
      f.status ?? null,
      f.agency ?? null,
      f.review ?? null,
      f.type ?? null,
      f.theme ?? null,
      f.rag ?? null,
      f.open ?? null,
      f.assurance ?? null,
      f.owner ?? null,
      f.result ?? null,
      f.q ?? null,
      page.page,
      page.pageSize,
    ]);
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      // Most recently used last, so the oldest entry is the first to go.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = read();
    // A request that read an older version than the entry already holds (it raced a write) reads
    // for itself and files nothing.
    if (hit && hit.version > version) return value;
    const entry = { version, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

const cacheOf = perDatabase(() => new ActionListCache());

/** The page through the cache of this database handle (one per handle, shared by every app on it). */
export function listActionsCached(
  db: DbOrTx,
  scope: Scope,
  f: ActionFilters,
  page: { page: number; pageSize: number },
): Promise<CachedActionPage> {
  return cacheOf(db).get(db, scope, f, page);
}
