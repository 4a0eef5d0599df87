import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { openDatabase } from '../../db/client';
import { migrate } from '../../db/migrate';
import * as schema from '../../db/schema';
import { createTestDatabase } from '../support/db';

const tables = (Object.values(schema) as unknown[]).filter(
  (v): v is PgTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v,
);

async function columnsOf(query: (sql: string) => Promise<{ table_name: string; column_name: string }[]>) {
  const rows = await query(
    "select table_name, column_name from information_schema.columns where table_schema = 'public' order by table_name, column_name",
  );
  const byTable = new Map<string, string[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  return byTable;
}

function expectMatchesSchema(byTable: Map<string, string[]>) {
  expect(tables.length).toBeGreaterThanOrEqual(14);
  for (const table of tables) {
    const config = getTableConfig(table);
    expect({ table: config.name, columns: byTable.get(config.name)?.sort() }).toEqual({
      table: config.name,
      columns: config.columns.map((c) => c.name).sort(),
    });
  }
}

describe('migrations', () => {
  it('apply on a real Postgres, twice, and the tables match the schema', async () => {
    const db = await createTestDatabase('mig');
    try {
      await migrate(db); // second time: a no-op
      const { Client } = await import('pg');
      const c = new Client({ connectionString: db.url });
      await c.connect();
      const applied = await c.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      const files = fs.readdirSync(path.join(__dirname, '../../db/migrations')).filter((f) => f.endsWith('.sql'));
      expect(applied.rows[0].n).toBe(files.length);
      expectMatchesSchema(await columnsOf(async (q) => (await c.query(q)).rows));
      await c.end();
    } finally {
      await db.drop();
    }
  });

  it('apply on embedded PGlite, twice, and the data survives a reopen', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-mig-'));
    try {
      const first = await openDatabase({ dataDir });
      await migrate(first);
      await first.db
        .insert(schema.agencies)
        .values({ code: 'TVP', name: 'Thames Valley Police', leadEmail: 'lead@tvp.example' });
      await first.close();
      const second = await openDatabase({ dataDir });
      await migrate(second);
      const rows = await second.db.select().from(schema.agencies);
      expect(rows.map((r) => r.code)).toEqual(['TVP']);
      const result = await second.db.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'public'" as never,
      );
      const list = (result as unknown as { rows: { table_name: string; column_name: string }[] }).rows;
      expectMatchesSchema(await columnsOf(async () => list));
      await second.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
