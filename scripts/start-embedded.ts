import fs from 'node:fs';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { startApi, type RunningApi } from '../api/server';
import { issueSignInLink } from '../api/web/sign-in';
import { databaseOptions, openDatabase, type DatabaseHandle } from '../db/client';
import { migrate } from '../db/migrate';
import { users } from '../db/schema';
import { useAuditKey } from '../activities/audit';
import { embeddedAuditKey } from '../lib/audit-key';
import { isLoopbackHost, loadConfigOrExit, type Config } from '../lib/config';
import { createLogger } from '../lib/logger';
import { redactUrl } from '../lib/secrets';
import { MailCatcher } from '../lib/mail-catcher';
import { provisionTemporalCli, startDevServer, type DevServer } from '../lib/temporal-cli';
import { connectClient } from '../lib/temporal-connection';
import { startWorker, type RunningWorker } from '../worker/run';
import { bootstrapEmbedded } from './bootstrap-embedded';
import { DEMO_USERS, seedDemoReview } from './demo-data';

/**
 * `npm start`: the whole product on one machine with nothing configured. Whatever is not set in
 * the environment gets a local stand-in: a Temporal dev server (child process, state under
 * DATA_DIR), PGlite (in this process; it cannot be shared, which is why the worker and the API
 * run here together), and an SMTP catcher whose inbox the web page shows.
 */
const ADMIN_LINK_TTL_MS = 12 * 60 * 60 * 1000;

async function main() {
  const base = loadConfigOrExit('embedded');
  const logger = createLogger(base, 'embedded');
  fs.mkdirSync(base.dataDir, { recursive: true });

  const stops: (() => Promise<void>)[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const stop of stops.reverse()) {
      await stop().catch((err) => logger.warn({ err }, 'error while stopping'));
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    let devServer: DevServer | undefined;
    let temporalAddress = base.temporal.address;
    if (!temporalAddress) {
      const cliPath = await provisionTemporalCli({ explicit: base.temporal.cliPath, log: (l) => logger.info(l) });
      devServer = await startDevServer({
        cliPath,
        port: base.temporal.devPort,
        uiPort: base.temporal.uiPort,
        dbFilename: path.join(base.dataDir, 'temporal.sqlite'),
        namespace: base.temporal.namespace,
        extraArgs: ['--sqlite-pragma', 'journal_mode=wal'],
      }).catch((err: Error) => {
        throw new Error(
          `${err.message}\nIs port ${base.temporal.devPort} or ${base.temporal.uiPort} already in use? Set TEMPORAL_DEV_PORT / TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS to use a running server.`,
        );
      });
      stops.push(() => devServer!.stop());
      temporalAddress = devServer.address;
    }

    let mailCatcher: MailCatcher | undefined;
    let smtpUrl = base.smtpUrl;
    if (!smtpUrl) {
      mailCatcher = new MailCatcher({ port: base.smtpCatcherPort, storeFile: path.join(base.dataDir, 'mail.jsonl') });
      await mailCatcher.start().catch((err: Error) => {
        throw new Error(
          `could not start the SMTP catcher on port ${base.smtpCatcherPort}: ${err.message} (set SMTP_CATCHER_PORT or SMTP_URL)`,
        );
      });
      stops.push(() => mailCatcher!.stop());
      smtpUrl = mailCatcher.url;
    }

    // The audit chain is signed here too: with AUDIT_KEY, or a key made once under DATA_DIR.
    const auditKey = base.auditKey ?? embeddedAuditKey(base.dataDir);
    useAuditKey(auditKey);
    const config: Config = { ...base, temporal: { ...base.temporal, address: temporalAddress }, smtpUrl, auditKey };
    const database: DatabaseHandle = await openDatabase(databaseOptions(config));
    stops.push(() => database.close());
    await migrate(database);
    const { adminToken, demoSeeded } = await bootstrapEmbedded(database.db, config);

    const worker: RunningWorker = await startWorker({ config, db: database.db, logger, smtpUrl });
    stops.push(() => worker.stop());
    worker.done.catch((err) => {
      logger.fatal({ err }, 'worker crashed');
      void shutdown(1);
    });

    const client = await connectClient(config);
    stops.push(() => client.connection.close());
    // Only on the start that created the demo people: a user's own reviews are never touched.
    if (demoSeeded) await seedDemoReview({ db: database.db, client, taskQueue: config.temporal.taskQueue });
    const api: RunningApi = await startApi({
      config,
      db: database.db,
      pingDatabase: database.ping,
      client,
      logger,
      mailCatcher,
    });
    stops.push(() => api.stop());

    // Beyond loopback the inbox is the administrator's alone; this link is how they sign in.
    let adminLink: string | null = null;
    if (mailCatcher && !isLoopbackHost(config.host)) {
      const [admin] = await database.db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.role, 'admin'))
        .orderBy(asc(users.createdAt))
        .limit(1);
      if (admin) adminLink = await issueSignInLink(database.db, admin.id, config.publicUrl, ADMIN_LINK_TTL_MS);
    }

    const lines = [
      '',
      'Action-plan engine is running (embedded mode).',
      `  Web and API:   ${config.publicUrl}   (API under ${config.publicUrl}/api/v1, docs at ${config.publicUrl}/docs)`,
      devServer?.uiUrl ? `  Temporal UI:   ${devServer.uiUrl}` : `  Temporal:      ${temporalAddress}`,
      mailCatcher
        ? `  Mail inbox:    ${config.publicUrl}/mail   (SMTP catcher on ${mailCatcher.url})`
        : `  Mail:          ${redactUrl(smtpUrl)}`,
      `  Listening on:  ${config.host}:${config.port}${isLoopbackHost(config.host) ? '   (this machine only; set HOST to open it to the network)' : ''}`,
      ...(adminLink ? [`  Admin sign-in: ${adminLink}   (once, within 12 hours; the mail inbox needs it)`] : []),
      `  Database:      ${database.kind === 'pglite' ? `PGlite under ${path.join(config.dataDir, 'pglite')}` : 'Postgres (DATABASE_URL)'}`,
      adminToken
        ? `  Admin token:   ${adminToken}   (shown once; keep it)`
        : '  Admin token:   already created on first start (or ADMIN_TOKEN)',
      `  Sign in as:    ${[...DEMO_USERS.map((u) => u.email), `${config.boardChairEmail} (chair)`].join(', ')}`,
      '                 (the sign-in link arrives in the mail inbox)',
      'Press Ctrl-C to stop.',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    logger.error(err instanceof Error ? err.message : String(err));
    await shutdown(1);
  }
}

void main();
