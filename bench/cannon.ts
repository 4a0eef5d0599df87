/**
 * One autocannon run in a process of its own (so the load generator does not share the server's
 * event loop), recording every response time for exact percentiles. Prints one JSON line.
 * Usage: tsx bench/cannon.ts <url> <connections> <seconds> [bearer-token | cookie:<name=value>]
 */
import autocannon from 'autocannon';
import { percentile } from './stats';

async function main() {
  const [url, connections, seconds, token] = process.argv.slice(2);
  const times: number[] = [];
  let non2xx = 0;
  let finish!: (r: autocannon.Result) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url,
      connections: Number(connections),
      duration: Number(seconds),
      headers: !token
        ? {}
        : token.startsWith('cookie:')
          ? { cookie: token.slice('cookie:'.length) }
          : { authorization: `Bearer ${token}` },
    },
    (err, r) => (err ? fail(err) : finish(r)),
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    times.push(responseTime);
    if (statusCode < 200 || statusCode > 299) non2xx += 1;
  });
  const result = await done;
  times.sort((a, b) => a - b);
  const out = {
    requests: times.length,
    perSecond: times.length / Number(seconds),
    non2xx,
    errors: result.errors + result.timeouts,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
