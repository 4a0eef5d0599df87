/**
 * Fault scenario 6: `npm run audit:verify` checks the whole chain, and names the row when one
 * is altered directly in the database.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { fixture } from '../api/fixtures';
import { ApiStack } from '../api/stack';
import { ROOT, TSX } from './stack';

const run = promisify(execFile);
let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
  await fixture(stack, 'under_review');
  await fixture(stack, 'extension_pending');
}, 180_000);
afterAll(() => stack?.stop());

const verify = () =>
  run(TSX, [path.join(ROOT, 'scripts', 'audit-verify.ts')], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: stack.db.url, LOG_LEVEL: 'silent' } }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

it('audit:verify passes an intact chain, and names the one row altered in the database', async () => {
  const ok = await verify();
  expect(ok).toMatchObject({ code: 0 });
  const rows = ((await stack.db.db.execute(sql`select id, event_key from audit_events order by id`)) as unknown as { rows: { id: number; event_key: string }[] }).rows;
  expect(ok.out).toContain(`${rows.length} event(s) verified`);
  expect(rows.length).toBeGreaterThanOrEqual(5);

  const victim = rows[Math.floor(rows.length / 2)];
  await stack.db.db.execute(sql`update audit_events set payload = payload || '{"statement":"nothing to see"}'::jsonb where id = ${victim.id}`);
  const bad = await verify();
  expect(bad.code).toBe(1);
  expect(bad.out).toContain(`row id ${victim.id} `);
  expect(bad.out).toContain(victim.event_key);
}, 120_000);
