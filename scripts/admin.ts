/**
 * `npm run admin -- <command>`: what an operator does by hand against DATABASE_URL, each
 * command validated by zod and written to the audit trail.
 *
 *   create-user --name <name> --email <address> --role admin|board|agency [--agency <code>]
 *   rotate-token --email <address>      a new token (shown once); the old one stops working
 *   deactivate-user --email <address>   ends the user's token and sessions at once
 *   list-users
 *
 * Exit codes: 0 done, 1 refused or failed, 64 bad arguments, 78 bad configuration.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { CreateUserBody } from '../api/schemas';
import { recordPeopleEvent } from '../api/use-cases/people-audit';
import { createUser } from '../api/use-cases/people';
import { deactivateUser, issueToken } from '../api/use-cases/tokens';
import { databaseOptions, openDatabase, type Db } from '../db/client';
import { agencies, users } from '../db/schema';
import { useAuditKey } from '../activities/audit';
import { readAuditKeyFile } from '../lib/audit-key';
import { loadConfig, type Config } from '../lib/config';
import { AppError } from '../lib/errors';
import { describeStartupError, isConfigError } from '../lib/startup-errors';

class UsageError extends Error {}

const USAGE =
  'usage: npm run admin -- create-user|rotate-token|deactivate-user|list-users [options] (see scripts/admin.ts)';
const ByEmail = z.strictObject({ email: z.email('expected an e-mail address') });
const COMMANDS = {
  'create-user': CreateUserBody,
  'rotate-token': ByEmail,
  'deactivate-user': ByEmail,
  'list-users': z.strictObject({}),
} as const;
type Command = keyof typeof COMMANDS;

function parseCommand(argv: string[]): { command: Command; input: unknown } {
  const [command, ...rest] = argv;
  if (!command || !(command in COMMANDS))
    throw new UsageError(command ? `unknown command ${command}; ${USAGE}` : USAGE);
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
        agency: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  const { agency, ...others } = values;
  const raw = Object.fromEntries(Object.entries({ ...others, agencyCode: agency }).filter(([, v]) => v !== undefined));
  const parsed = COMMANDS[command as Command].safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `--${i.path.length ? String(i.path[0]).replace('agencyCode', 'agency') : '(options)'}: ${i.message}`,
    );
    throw new UsageError(`${command}: ${problems.join('; ')}`);
  }
  return { command: command as Command, input: parsed.data };
}

async function userByEmail(db: Db, email: string) {
  const [user] = await db
    .select({ id: users.id, email: users.email, deactivatedAt: users.deactivatedAt })
    .from(users)
    .where(eq(users.email, email.toLowerCase()));
  if (!user) throw new AppError('not_found', `no user has the e-mail ${email.toLowerCase()}`);
  return user;
}

async function run(db: Db, config: Config, command: Command, input: unknown, actor: string): Promise<string> {
  switch (command) {
    case 'create-user': {
      const created = await createUser(db, input as z.infer<typeof CreateUserBody>, {
        actor,
        tokenTtlDays: config.apiTokenTtlDays,
      });
      return `created ${created.user.role} ${created.user.email} (id ${created.user.id})\ntoken (shown once; expires ${created.tokenExpiresAt}): ${created.token}`;
    }
    case 'rotate-token': {
      const user = await userByEmail(db, (input as { email: string }).email);
      if (user.deactivatedAt) throw new AppError('conflict', `${user.email} is deactivated; create a new user instead`);
      const issued = await db.transaction(async (tx) => {
        const t = await issueToken(tx, user.id, config.apiTokenTtlDays);
        await recordPeopleEvent(tx, 'api_token_issued', actor, {
          userId: user.id,
          tokenId: t.id,
          expiresAt: t.expiresAt.toISOString(),
        });
        return t;
      });
      return `new token for ${user.email} (shown once; expires ${issued.expiresAt.toISOString()}; the old one no longer works): ${issued.token}`;
    }
    case 'deactivate-user': {
      const user = await userByEmail(db, (input as { email: string }).email);
      const done = await deactivateUser(db, actor, user.id);
      return `deactivated ${done.email} at ${done.deactivatedAt}: its token and sessions no longer work`;
    }
    case 'list-users': {
      const rows = await db
        .select({
          email: users.email,
          name: users.name,
          role: users.role,
          agency: agencies.code,
          tokenId: users.tokenId,
          expires: users.tokenExpiresAt,
          deactivatedAt: users.deactivatedAt,
        })
        .from(users)
        .leftJoin(agencies, eq(agencies.id, users.agencyId))
        .orderBy(asc(users.email));
      await db.transaction((tx) => recordPeopleEvent(tx, 'users_listed', actor, { count: rows.length }));
      const line = (r: (typeof rows)[number]) =>
        [
          r.email,
          r.role,
          r.agency ?? '-',
          r.deactivatedAt
            ? `deactivated ${r.deactivatedAt.toISOString()}`
            : r.tokenId
              ? `token expires ${r.expires.toISOString()}`
              : 'no token',
          r.name,
        ].join('\t');
      return ['email\trole\tagency\taccess\tname', ...rows.map(line)].join('\n');
    }
  }
}

async function main(): Promise<void> {
  const { command, input } = parseCommand(process.argv.slice(2));
  const config = loadConfig('embedded');
  if (!config.databaseUrl)
    throw new UsageError('DATABASE_URL is not set: the admin commands work on the deployment’s Postgres');
  databaseUrl = config.databaseUrl;
  // What the commands do is audited: signed like every other event.
  useAuditKey(config.auditKey ?? readAuditKeyFile(config.dataDir));
  const handle = await openDatabase(databaseOptions(config, { poolSize: 2 }));
  try {
    process.stdout.write(`${await run(handle.db, config, command, input, `admin-cli:${os.userInfo().username}`)}\n`);
  } finally {
    await handle.close();
  }
}

let databaseUrl: string | undefined;
main().catch((err) => {
  const message =
    err instanceof UsageError || err instanceof AppError ? err.message : describeStartupError(err, databaseUrl);
  process.stderr.write(`admin: ${message}\n`);
  process.exit(err instanceof UsageError ? 64 : isConfigError(err) ? 78 : 1);
});
