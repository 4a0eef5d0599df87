/**
 * Saves a workflow's history as a replay fixture (test/fixtures/README.md): the Temporal CLI writes
 * the same JSON as the Web UI's download, which the replay test reads back with historyFromJSON.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function saveHistoryFixture(temporalAddress: string, workflowId: string, file: string, runId?: string): void {
  const cli = process.env.TEMPORAL_CLI_PATH;
  if (!cli) throw new Error('TEMPORAL_CLI_PATH is not set (the jest global setup sets it)');
  const run = runId ? ['--run-id', runId] : [];
  const json = execFileSync(
    cli,
    ['workflow', 'show', '--workflow-id', workflowId, ...run, '--address', temporalAddress, '--output', 'json'],
    { encoding: 'utf8' },
  );
  fs.writeFileSync(path.join(__dirname, '..', 'fixtures', file), json);
}
