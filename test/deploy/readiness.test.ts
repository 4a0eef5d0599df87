import { checkReadiness } from '../../lib/readiness';

/**
 * /readyz is public: a failed check names the part with a fixed phrase and never carries the
 * error's text (host names, users, paths), which goes to the operator's log instead.
 */
describe('readiness report', () => {
  const secretish = new Error('password authentication failed for user "actionplan" at db.internal.example:5432');
  const logged: unknown[] = [];
  const logger = { warn: (obj: unknown) => logged.push(obj) } as never;

  it('names the failing part without the error text, and logs the error', async () => {
    const report = await checkReadiness({
      pingDatabase: () => Promise.reject(secretish),
      pingTemporal: () => Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.7:7233')),
      liveWorkers: async () => 3,
      logger,
    });
    expect(report).toEqual({
      ready: false,
      checks: {
        database: { ok: false, detail: 'database unreachable' },
        temporal: { ok: false, detail: 'Temporal unreachable' },
        worker: { ok: false, detail: 'not checked: database unreachable' },
      },
    });
    expect(JSON.stringify(report)).not.toMatch(/password|actionplan|internal|10\.0\.0\.7|ECONNREFUSED/);
    expect(logged).toEqual([
      expect.objectContaining({ err: secretish, check: 'database' }),
      expect.objectContaining({ check: 'temporal' }),
    ]);
  });

  it('is ready with a database, Temporal and a worker heartbeat; not without the heartbeat', async () => {
    const deps = { pingDatabase: async () => undefined, pingTemporal: async () => undefined };
    expect(await checkReadiness({ ...deps, liveWorkers: async () => 1 })).toEqual({
      ready: true,
      checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
    });
    expect(await checkReadiness({ ...deps, liveWorkers: async () => 0 })).toEqual({
      ready: false,
      checks: {
        database: { ok: true },
        temporal: { ok: true },
        worker: { ok: false, detail: 'no worker has reported in the last few seconds' },
      },
    });
  });
});
