import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from './logger';

/**
 * Runs `steps` in order once, on the first SIGTERM or SIGINT, then exits 0: the graceful stop of
 * a process entry point (in-flight requests and activities finish first).
 */
export function stopOnSignals(logger: Logger, steps: (() => Promise<unknown>)[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const step of steps) await step().catch((err) => logger.warn({ err }, 'error while stopping'));
    process.exit(0);
  };
  // `on`, not `once`: a second signal during a slow shutdown (npm and tsx both relay it) must
  // not find the process without a handler, which would kill it with 143 mid-drain.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Entry points: a failed start prints why and exits non-zero. */
export function runMain(what: string, main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(
      `${what} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}

/**
 * Runs a child process to completion (work kept out of this process: its memory goes when the
 * child exits). A failure becomes an Error that says `what` and ends with the child's last lines.
 */
export async function runChild(file: string, args: string[], what: string): Promise<void> {
  try {
    await promisify(execFile)(file, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${what}: ${(e.stderr || e.message).trim().split('\n').slice(-5).join('\n')}`);
  }
}
