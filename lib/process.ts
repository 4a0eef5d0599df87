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
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** Entry points: a failed start prints why and exits non-zero. */
export function runMain(what: string, main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`${what} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
