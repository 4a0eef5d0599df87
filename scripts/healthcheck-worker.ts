import os from 'node:os';
import { databaseOptions, openDatabase } from '../db/client';
import { loadConfig } from '../lib/config';
import { describeStartupError } from '../lib/startup-errors';
import { connectClient } from '../lib/temporal-connection';

/**
 * Container health check for the worker (docker-compose.yml): healthy when Temporal lists a
 * poller on our task queue from THIS host. The SDK's default worker identity is
 * `<pid>@<hostname>`, and a container's hostname is its own, so a replica that has lost its
 * connection or stopped polling turns unhealthy even while other replicas keep the queue served.
 * The database must answer too. Exit 0 healthy, 1 not.
 */
async function main(): Promise<number> {
  const config = loadConfig('service');
  // A worker whose database is gone cannot project or send mail: not healthy, whatever Temporal says.
  const database = await openDatabase(databaseOptions(config, { poolSize: 1 }));
  try {
    await database.ping();
  } catch (err) {
    process.stderr.write(`${describeStartupError(err, config.databaseUrl)}\n`);
    return 1;
  } finally {
    await database.close();
  }
  const client = await connectClient(config);
  try {
    const host = os.hostname();
    for (const taskQueueType of [1 /* WORKFLOW */, 2 /* ACTIVITY */]) {
      const res = await client.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name: config.temporal.taskQueue, kind: 1 /* NORMAL */ },
        taskQueueType,
      });
      const mine = (res.pollers ?? []).some((p) => (p.identity ?? '').endsWith(`@${host}`));
      if (!mine) {
        process.stderr.write(
          `no ${taskQueueType === 1 ? 'workflow' : 'activity'} poller from ${host} on ${config.temporal.taskQueue}\n`,
        );
        return 1;
      }
    }
    return 0;
  } finally {
    await client.connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`worker health check failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
