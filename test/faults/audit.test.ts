/**
 * `npm run audit:verify` checks the whole chain and the rows people read against it: it names
 * the row altered directly in the database, even when the attacker recomputes the hashes
 * (they do not hold the audit key), finds the newest events deleted, and finds an evidence
 * statement edited in SQL. The table itself refuses UPDATE and DELETE.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { canonicalJson } from '../../activities/audit';
import { fixture } from '../api/fixtures';
import { ApiStack, TEST_AUDIT_KEY } from '../api/stack';
import { ROOT, TSX, until } from './stack';

const run = promisify(execFile);
let stack: ApiStack;
let reviewed: { actionId: string };
beforeAll(async () => {
  stack = await new ApiStack().start();
  reviewed = await fixture(stack, 'under_review');
  await fixture(stack, 'extension_pending');
  await fixture(stack, 'with_attachment');
}, 180_000);
afterAll(() => stack?.stop());

const verify = (key: string | undefined = TEST_AUDIT_KEY) =>
  run(TSX, [path.join(ROOT, 'scripts', 'audit-verify.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: stack.db.url,
      LOG_LEVEL: 'silent',
      ...(key ? { AUDIT_KEY: key } : {}),
    },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

type Row = {
  id: number;
  event_key: string;
  action_id: string | null;
  review_id: string | null;
  type: string;
  actor: string | null;
  payload: unknown;
  occurred_at: string;
  prev_hash: string;
  hash: string;
};
const q = async <T>(query: ReturnType<typeof sql>) =>
  ((await stack.db.db.execute(query)) as unknown as { rows: T[] }).rows;
/** What someone with the database (and not the key) can do: switch the guard off first. */
const asOwner = async (query: ReturnType<typeof sql>) => {
  await stack.db.db.execute(sql`alter table audit_events disable trigger user`);
  try {
    await stack.db.db.execute(query);
  } finally {
    await stack.db.db.execute(sql`alter table audit_events enable trigger user`);
  }
};

it('audit:verify passes an intact, signed chain whose rows match', async () => {
  // The fixtures' workflows project in the background: wait for the chain to hold still.
  let last = -1;
  await until(
    'the audit chain to settle',
    async () => {
      const [{ n }] = await q<{ n: number }>(sql`select count(*)::int as n from audit_events`);
      const still = n === last;
      last = n;
      return still;
    },
    60_000,
    1500,
  );
  const ok = await verify();
  expect(ok).toMatchObject({ code: 0 });
  const [{ n, signed }] = await q<{ n: number; signed: number }>(
    sql`select count(*)::int as n, count(*) filter (where scheme = 2)::int as signed from audit_events`,
  );
  expect(ok.out).toContain(`${n} event(s) verified (${n} signed with the audit key)`);
  expect(signed).toBe(n);
  expect(ok.out).toMatch(/rows match the audit trail: \d+ row\(s\) checked, 0 recorded before/);
  // The evidence event carries what it attests, not only counts.
  const [ev] = await q<{
    payload: { attests: { evidence: { statement: string; attachments: { sha256: string; filename: string }[] } } };
  }>(
    sql`select payload from audit_events where type = 'evidence_submitted' and payload->'attests'->'evidence'->'attachments' != '[]'::jsonb limit 1`,
  );
  expect(ev.payload.attests.evidence).toMatchObject({
    statement: 'Policy updated',
    attachments: [{ filename: 'policy.pdf', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
  });
}, 120_000);

it('the table refuses UPDATE, DELETE and TRUNCATE', async () => {
  const refusal = (query: ReturnType<typeof sql>) =>
    stack.db.db.execute(query).then(
      () => 'accepted',
      (err: Error & { cause?: Error }) => String(err.cause?.message ?? err.message),
    );
  expect(
    await refusal(sql`update audit_events set payload = '{}' where id = (select max(id) from audit_events)`),
  ).toMatch(/append-only: UPDATE refused/);
  expect(await refusal(sql`delete from audit_events where id = (select max(id) from audit_events)`)).toMatch(
    /append-only: DELETE refused/,
  );
  expect(await refusal(sql`truncate audit_events cascade`)).toMatch(/append-only: TRUNCATE refused/);
});

it('an evidence statement edited in SQL is found', async () => {
  const [ev] = await q<{ id: string; statement: string }>(
    sql`select id, statement from evidence where action_id = ${reviewed.actionId}`,
  );
  await stack.db.db.execute(sql`update evidence set statement = 'All done, nothing to add' where id = ${ev.id}`);
  const bad = await verify();
  expect(bad.code).toBe(1);
  expect(bad.out).toContain(`evidence ${ev.id}: the statement differs`);
  await stack.db.db.execute(sql`update evidence set statement = ${ev.statement} where id = ${ev.id}`);
  expect((await verify()).code).toBe(0);
}, 120_000);

it('a row rewritten with its SHA-256 recomputed (without the key) is named', async () => {
  const rows = await q<Row>(sql`select * from audit_events order by id`);
  const victim = rows[Math.floor(rows.length / 2)];
  const forged = { ...(victim.payload as object), reason: 'nothing to see' };
  const content = canonicalJson({
    eventKey: victim.event_key,
    actionId: victim.action_id,
    reviewId: victim.review_id,
    type: victim.type,
    actor: victim.actor,
    payload: forged,
    occurredAt: new Date(victim.occurred_at).toISOString(),
  });
  // Both ways an attacker without the key could try: keep it "signed", or pass it off as an old unsigned row.
  for (const scheme of [2, 1]) {
    const hash = createHash('sha256').update(victim.prev_hash).update(content).digest('hex');
    await asOwner(
      sql`update audit_events set payload = ${JSON.stringify(forged)}::jsonb, hash = ${hash}, scheme = ${scheme} where id = ${victim.id}`,
    );
    const bad = await verify();
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`row id ${victim.id} `);
    expect(bad.out).toContain(victim.event_key);
  }
  await asOwner(
    sql`update audit_events set payload = ${JSON.stringify(victim.payload)}::jsonb, hash = ${victim.hash}, scheme = 2 where id = ${victim.id}`,
  );
  expect((await verify()).code).toBe(0);
}, 120_000);

it('the newest event deleted is found (the chain that is left is whole, the action row is not)', async () => {
  const [last] = await q<Row>(sql`select * from audit_events where action_id is not null order by id desc limit 1`);
  await asOwner(sql`delete from audit_events where id >= ${last.id}`);
  const bad = await verify();
  expect(bad.code).toBe(1);
  expect(bad.out).toContain('audit chain intact');
  expect(bad.out).toContain(`action ${last.action_id}: projected from event`);
}, 120_000);
