/**
 * The paged action list (api/queries/actions.ts listActions) against an independent statement of
 * what it must return: the four-table join ordered by due date, the review's reference, the
 * action's reference and id, with every filter. Many equal due dates, references that sort as
 * text ('1.10' before '1.2') and reviews created out of reference order. On Postgres and PGlite.
 * Also: migration 0002's backfill and trigger, and the page cache's version check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { ActionListCache, listActionsCached, readModelVersionOf } from '../../api/queries/action-list-cache';
import { listActions, type ActionFilters } from '../../api/queries/actions';
import type { Scope } from '../../api/queries/scope';
import { openDatabase, type DatabaseHandle, type DbOrTx } from '../../db/client';
import { MIGRATIONS_FOLDER, migrate } from '../../db/migrate';
import { createTestDatabase, testDatabaseServerUrl } from '../support/db';

const rowsOf = async <T>(db: DbOrTx, q: ReturnType<typeof sql>) =>
  ((await db.execute(q)) as unknown as { rows: T[] }).rows;

const NOW = new Date('2030-06-15T12:00:00.000Z');

interface Seeded {
  agencies: Record<string, string>;
  reviews: Record<string, string>;
}

/** 3 agencies, 3 reviews (created B, A, C), 330 actions over 4 due dates; inserted as plain SQL without review_reference. */
async function seed(db: DbOrTx): Promise<Seeded> {
  await db.execute(
    sql`insert into agencies (code, name, lead_email) values ('A1', 'Agency one', 'a1@x.test'), ('A2', 'Agency two', 'a2@x.test'), ('A3', 'Agency three', 'a3@x.test')`,
  );
  const agencies = Object.fromEntries(
    (await rowsOf<{ code: string; id: string }>(db, sql`select code, id from agencies`)).map((r) => [r.code, r.id]),
  );
  const reviews: Record<string, string> = {};
  for (const [i, ref] of ['SCR-B', 'SCR-A', 'SCR-C'].entries()) {
    const [r] = await rowsOf<{ id: string }>(
      db,
      sql`insert into reviews (reference, title, policy) values (${ref}, 'Review', '{}') returning id`,
    );
    reviews[ref] = r.id;
    const [rec] = await rowsOf<{ id: string }>(
      db,
      sql`insert into recommendations (review_id, number, text, workflow_id) values (${r.id}::uuid, '1', 'Rec', ${`rec-${r.id}`}) returning id`,
    );
    const n = [100, 120, 110][i];
    await db.execute(sql`insert into actions (recommendation_id, review_id, agency_id, reference, title, due_date, workflow_id, status, rag)
      select ${rec.id}::uuid, ${r.id}::uuid,
             (array[${agencies.A1}::uuid, ${agencies.A2}::uuid, ${agencies.A3}::uuid])[1 + (g * 7) % 3],
             '1.' || g, 'Action ' || g,
             (array['2030-01-01', '2030-06-01', '2030-06-30', '2031-01-01']::timestamptz[])[1 + (g * 5) % 4],
             ${`wf-${ref}-`} || g,
             (array['assigned', 'in_progress', 'under_review', 'closed', 'cancelled'])[1 + g % 5],
             (array['green', 'amber', 'red', 'complete'])[1 + (g * 3) % 4]
      from generate_series(1, ${n}::int) g`);
  }
  return { agencies, reviews };
}

/** The list as the original four-table query stated it, with the filters written out separately. */
async function expected(db: DbOrTx, scope: Scope, f: ActionFilters): Promise<string[]> {
  const c = [sql`true`];
  if (scope.agencyId) c.push(sql`a.agency_id = ${scope.agencyId}`);
  if (f.status) c.push(sql`a.status = ${f.status}`);
  if (f.agency) c.push(sql`ag.code = ${f.agency}`);
  if (f.review) c.push(sql`a.review_id = ${f.review}`);
  if (f.rag) c.push(sql`a.rag = ${f.rag}`);
  if (f.overdue === true) c.push(sql`(a.status in ('assigned', 'in_progress') and a.due_date < ${NOW})`);
  if (f.overdue === false) c.push(sql`not (a.status in ('assigned', 'in_progress') and a.due_date < ${NOW})`);
  const rows = await rowsOf<{ id: string }>(
    db,
    sql`select a.id from actions a join agencies ag on ag.id = a.agency_id join reviews r on r.id = a.review_id
        join recommendations rc on rc.id = a.recommendation_id
        where ${sql.join(c, sql` and `)} order by a.due_date, r.reference, a.reference, a.id`,
  );
  return rows.map((r) => r.id);
}

async function allPages(db: DbOrTx, scope: Scope, f: ActionFilters, pageSize: number) {
  const ids: string[] = [];
  const totals = new Set<number>();
  for (let page = 1; ; page++) {
    const p = await listActions(db, scope, f, { page, pageSize }, NOW);
    totals.add(p.total);
    if (p.items.length === 0) break;
    ids.push(...p.items.map((i) => i.id));
  }
  return { ids, totals: [...totals] };
}

function listBehaviour(open: () => Promise<DatabaseHandle & { drop?: () => Promise<void> }>) {
  let handle: DatabaseHandle & { drop?: () => Promise<void> };
  let seeded: Seeded;
  beforeAll(async () => {
    handle = await open();
    seeded = await seed(handle.db);
  }, 120_000);
  afterAll(async () => {
    if (handle?.drop) await handle.drop();
    else await handle?.close();
  });

  it('fills review_reference on a plain insert, corrects a wrong one, and follows a review reference change', async () => {
    const db = handle.db;
    const wrong = await rowsOf<{ n: number }>(
      db,
      sql`select count(*)::int as n from actions a join reviews r on r.id = a.review_id where a.review_reference is distinct from r.reference`,
    );
    expect(wrong[0].n).toBe(0);
    const [a] = await rowsOf<{ id: string; review_id: string }>(db, sql`select id, review_id from actions limit 1`);
    await db.execute(sql`update actions set review_reference = 'NOT-IT' where id = ${a.id}`);
    const [after] = await rowsOf<{ review_reference: string; reference: string }>(
      db,
      sql`select a.review_reference, r.reference from actions a join reviews r on r.id = a.review_id where a.id = ${a.id}`,
    );
    expect(after.review_reference).toBe(after.reference);
    await db.execute(sql`update reviews set reference = 'SCR-Z' where reference = 'SCR-C'`);
    const moved = await rowsOf<{ n: number }>(
      db,
      sql`select count(*)::int as n from actions where review_reference = 'SCR-Z'`,
    );
    expect(moved[0].n).toBe(110);
    await db.execute(sql`update reviews set reference = 'SCR-C' where reference = 'SCR-Z'`);
    expect(
      (await rowsOf<{ n: number }>(db, sql`select count(*)::int as n from actions where review_reference = 'SCR-C'`))[0]
        .n,
    ).toBe(110);
  });

  const cases: [string, () => Scope, () => ActionFilters][] = [
    ['everything (admin)', () => ({ agencyId: null }), () => ({})],
    ['status', () => ({ agencyId: null }), () => ({ status: 'in_progress' })],
    ['agency code', () => ({ agencyId: null }), () => ({ agency: 'A2' })],
    ['unknown agency code', () => ({ agencyId: null }), () => ({ agency: 'NOPE' })],
    ['review', () => ({ agencyId: null }), () => ({ review: seeded.reviews['SCR-A'] })],
    ['rag', () => ({ agencyId: null }), () => ({ rag: 'red' })],
    ['overdue', () => ({ agencyId: null }), () => ({ overdue: true })],
    ['not overdue', () => ({ agencyId: null }), () => ({ overdue: false })],
    ['an agency user', () => ({ agencyId: seeded.agencies.A3 }), () => ({})],
    [
      'an agency user, filtered',
      () => ({ agencyId: seeded.agencies.A3 }),
      () => ({ status: 'assigned', rag: 'green' }),
    ],
    ['an agency user asking for another agency', () => ({ agencyId: seeded.agencies.A3 }), () => ({ agency: 'A1' })],
  ];
  it.each(cases)(
    'pages in the same order and with the same total as the four-table join: %s',
    async (_, scope, filters) => {
      const want = await expected(handle.db, scope(), filters());
      for (const pageSize of [7, 50]) {
        const got = await allPages(handle.db, scope(), filters(), pageSize);
        expect(got.ids).toEqual(want);
        expect(got.totals).toEqual([want.length]);
      }
    },
  );

  it('returns the items the four-table join returns, field for field', async () => {
    const p = await listActions(handle.db, { agencyId: null }, {}, { page: 3, pageSize: 20 }, NOW);
    const ids = p.items.map((i) => i.id);
    const rows = await rowsOf<{ id: string; code: string; name: string; reference: string; number: string }>(
      handle.db,
      sql`select a.id, ag.code, ag.name, r.reference, rc.number from actions a join agencies ag on ag.id = a.agency_id
          join reviews r on r.id = a.review_id join recommendations rc on rc.id = a.recommendation_id
          where a.id in ${
            ids.length
              ? sql`(${sql.join(
                  ids.map((i) => sql`${i}::uuid`),
                  sql`, `,
                )})`
              : sql`(null)`
          }`,
    );
    expect(rows).toHaveLength(20);
    for (const item of p.items) {
      const r = rows.find((x) => x.id === item.id)!;
      expect({
        agencyCode: item.agencyCode,
        agencyName: item.agencyName,
        reviewReference: item.reviewReference,
        recommendationNumber: item.recommendationNumber,
      }).toEqual({
        agencyCode: r.code,
        agencyName: r.name,
        reviewReference: r.reference,
        recommendationNumber: r.number,
      });
    }
    expect(Object.keys(p.items[0]).sort()).toEqual(
      [
        'id',
        'reference',
        'title',
        'description',
        'successMeasure',
        'agencyCode',
        'agencyName',
        'reviewId',
        'reviewReference',
        'recommendationId',
        'recommendationNumber',
        'status',
        'outcome',
        'rag',
        'dueDate',
        'dueOn',
        'escalationLevel',
        'changesRequested',
        'acknowledgedAt',
        'lastActivityAt',
        'closedAt',
        'nextTimerAt',
        'themes',
        'owner',
        // Issue 17: slippage and the impact check after sign-off.
        'assurance',
        'daysSlipped',
        'extensionCount',
        'followUpActionId',
        'followUpOf',
        'impactCheckAt',
        'impactCheckOn',
        'impactMeasure',
        'originalDueDate',
        'originalDueOn',
      ].sort(),
    );
  });

  it('a page past the end is empty and still carries the total', async () => {
    const p = await listActions(handle.db, { agencyId: null }, { status: 'closed' }, { page: 1000, pageSize: 50 }, NOW);
    expect(p.items).toEqual([]);
    expect(p.total).toBe((await expected(handle.db, { agencyId: null }, { status: 'closed' })).length);
  });

  it('the page cache serves a page again only while the version is unchanged, and every write changes the version', async () => {
    const db = handle.db;
    const cache = new ActionListCache();
    const scope = { agencyId: null };
    const first = await cache.get(db, scope, {}, { page: 2, pageSize: 10 });
    expect(first.json).toBe(JSON.stringify(first.page));
    expect(await cache.get(db, scope, {}, { page: 2, pageSize: 10 })).toBe(first);
    expect(first.page).toEqual(await listActions(db, scope, {}, { page: 2, pageSize: 10 }));

    const writes = [
      sql`update actions set title = 'Changed' where id = ${first.page.items[0].id}`,
      sql`update agencies set name = 'Agency one, renamed' where code = 'A1'`,
      sql`update recommendations set number = '1' where true`,
      sql`update reviews set title = 'Retitled' where true`,
      sql`delete from actions where workflow_id = 'none-such'`,
    ];
    let previous = first;
    for (const write of writes) {
      const before = await readModelVersionOf(db);
      await db.execute(write);
      expect(await readModelVersionOf(db)).toBeGreaterThan(before);
      const next = await cache.get(db, scope, {}, { page: 2, pageSize: 10 });
      expect(next).not.toBe(previous);
      expect(next.page).toEqual(await listActions(db, scope, {}, { page: 2, pageSize: 10 }));
      previous = next;
    }
    expect(previous.page.items[0].title).toBe('Changed');

    // Clock-dependent pages are read every time.
    const overdue = await cache.get(db, scope, { overdue: true }, { page: 1, pageSize: 10 });
    expect(await cache.get(db, scope, { overdue: true }, { page: 1, pageSize: 10 })).not.toBe(overdue);
    // Filters and scope are part of the key.
    const a3 = await listActionsCached(db, { agencyId: seeded.agencies.A3 }, {}, { page: 1, pageSize: 10 });
    expect(a3.page.items.every((i) => i.agencyCode === 'A3')).toBe(true);
    const red = await listActionsCached(db, scope, { rag: 'red' }, { page: 1, pageSize: 10 });
    expect(red.page.items.every((i) => i.rag === 'red')).toBe(true);

    const small = new ActionListCache(2);
    for (const page of [1, 2, 3]) await small.get(db, scope, {}, { page, pageSize: 5 });
    expect(small.size).toBe(2);
  });
}

describe('the action list on Postgres', () => {
  listBehaviour(() => createTestDatabase('list'));
});

describe('the action list on PGlite', () => {
  let dir: string;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  listBehaviour(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-list-'));
    const h = await openDatabase({ dataDir: dir });
    await migrate(h);
    return h;
  });
});

it('migration 0002 fills review_reference for actions that existed before it', async () => {
  // The migrations up to 0001 only, then rows, then the rest.
  const early = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-early-'));
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  fs.mkdirSync(path.join(early, 'meta'));
  const kept = journal.entries.slice(
    0,
    journal.entries.findIndex((e) => e.tag.startsWith('0002')),
  );
  fs.writeFileSync(path.join(early, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: kept }));
  for (const e of kept) fs.copyFileSync(path.join(MIGRATIONS_FOLDER, `${e.tag}.sql`), path.join(early, `${e.tag}.sql`));

  const name = `mig0002_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: testDatabaseServerUrl() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(testDatabaseServerUrl());
  url.pathname = `/${name}`;
  const h = await openDatabase({ databaseUrl: url.toString(), dataDir: early });
  try {
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    await run(h.db as never, { migrationsFolder: early });
    await seed(h.db);
    await migrate(h);
    const rows = await rowsOf<{ review_reference: string; reference: string; n: number }>(
      h.db,
      sql`select a.review_reference, r.reference, count(*)::int as n from actions a join reviews r on r.id = a.review_id group by 1, 2 order by 2`,
    );
    expect(rows).toEqual([
      { review_reference: 'SCR-A', reference: 'SCR-A', n: 120 },
      { review_reference: 'SCR-B', reference: 'SCR-B', n: 100 },
      { review_reference: 'SCR-C', reference: 'SCR-C', n: 110 },
    ]);
    const nullable = await rowsOf<{ is_nullable: string }>(
      h.db,
      sql`select is_nullable from information_schema.columns where table_name = 'actions' and column_name = 'review_reference'`,
    );
    expect(nullable[0].is_nullable).toBe('NO');
  } finally {
    await h.close();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    fs.rmSync(early, { recursive: true, force: true });
  }
}, 60_000);
