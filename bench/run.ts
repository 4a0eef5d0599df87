/**
 * `npm run bench` (full, for docs/BENCHMARKS.md) and `npm run bench -- --quick` (under two
 * minutes). Options: `--postgres[=URL]` runs on a Postgres server instead of PGlite (default
 * postgres://postgres@127.0.0.1:5432/postgres); `--max-cached N` sets the worker's sticky cache;
 * `--only 3,5` runs just those figures (6 still creates figure 2's review, unmeasured).
 * Prints a table and writes bench/results/latest.json (and a timestamped copy).
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  evidenceLatency,
  listActionsLoad,
  prepareEvidenceReview,
  reminderLateness,
  reportLatency,
  sampleRss,
  throughput,
  webPagesLoad,
  workerMemory,
  type FigureResult,
  type Row,
} from './figures';
import { BenchStack } from './stack';
import { round } from './stats';

interface Args {
  quick: boolean;
  postgresUrl?: string;
  maxCached?: number;
  /** Figure numbers to run (all when absent). */
  only?: Set<number>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--postgres')
      args.postgresUrl = argv[i + 1]?.startsWith('postgres')
        ? argv[++i]
        : 'postgres://postgres@127.0.0.1:5432/postgres';
    else if (a.startsWith('--postgres=')) args.postgresUrl = a.slice('--postgres='.length);
    else if (a === '--max-cached') args.maxCached = Number(argv[++i]);
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = a === '--only' ? (argv[++i] ?? '') : a.slice('--only='.length);
      const figures = list.split(',').map(Number);
      if (!figures.length || figures.some((n) => !Number.isInteger(n) || n < 1 || n > 7))
        throw new Error(`--only takes figure numbers 1-7, comma-separated (got "${list}")`);
      args.only = new Set(figures);
    } else throw new Error(`unknown option ${a} (known: --quick, --postgres[=URL], --max-cached N, --only 1,2,...)`);
  }
  return args;
}

const SIZES = {
  full: {
    tputPerRound: 1000,
    tputRounds: 2,
    evidence: 190,
    evidenceWarmup: 10,
    report: 30,
    reportWarmup: 5,
    open: 10_000,
    listRows: 10_000,
    listSeconds: 15,
    reminders: 1000,
    reminderWindow: 60,
  },
  quick: {
    tputPerRound: 50,
    tputRounds: 2,
    evidence: 100,
    evidenceWarmup: 5,
    report: 10,
    reportWarmup: 2,
    open: 500,
    listRows: 10_000,
    listSeconds: 3,
    reminders: 100,
    reminderWindow: 10,
  },
};

const load = () => os.loadavg().map((x) => round(x, 2));

function table(rows: Row[]): string {
  const head: Row = {
    figure: 'figure',
    value: 'measured',
    baseline: 'baseline (same run)',
    ratio: 'ratio',
    target: 'target',
    pass: null,
  };
  const cells = (r: Row) => [
    r.figure,
    r.value,
    r.baseline,
    r.ratio,
    r.target,
    r.pass === null ? 'ok?' : r.pass ? 'met' : 'MISSED',
  ];
  const all = [cells(head), ...rows.map(cells)];
  const widths = all[0].map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c])).join(' | ')} |`;
  return [line(all[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const size = args.quick ? SIZES.quick : SIZES.full;
  const began = Date.now();
  const log = (l: string) => process.stderr.write(`[bench ${round((Date.now() - began) / 1000, 0)}s] ${l}\n`);
  const meta = {
    mode: args.quick ? 'quick' : 'full',
    startedAt: new Date(began).toISOString(),
    commit: (() => {
      try {
        return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGB: round(os.totalmem() / 1024 ** 3, 1),
    loadAverageBefore: load(),
    loadAverageAfter: [] as number[],
    database: '',
    sizes: size,
  };
  log(`${meta.mode} run on ${meta.cpus} cores, load average ${meta.loadAverageBefore.join(' ')}`);

  const stack = new BenchStack({ postgresUrl: args.postgresUrl, maxCachedWorkflows: args.maxCached, log });
  const results: Record<string, FigureResult> = {};
  const show = (key: string, r: FigureResult) => {
    results[key] = r;
    log(`${r.row.figure}: ${r.row.value} vs ${r.row.baseline} (${r.row.ratio}; target ${r.row.target})`);
  };
  try {
    await stack.start();
    meta.database = stack.dbKind;
    log(`stack up (${stack.dbKind}); measuring idle memory`);
    const idle = await sampleRss(3);

    const want = (figure: number) => !args.only || args.only.has(figure);
    if (want(1)) {
      log('(1) workflows started per second');
      show('throughput', await throughput(stack, { perRound: size.tputPerRound, rounds: size.tputRounds, log }));
    }
    if (want(2) || want(6)) {
      const review = await prepareEvidenceReview(stack, size.evidence + size.evidenceWarmup);
      if (want(2)) {
        log('(2) evidence over HTTP vs a no-op Update');
        show('evidence', await evidenceLatency(stack, review, { samples: size.evidence, warmup: size.evidenceWarmup }));
      }
      if (want(6)) {
        log('(6) progress statement of the 200-action review');
        show('report', await reportLatency(stack, review.id, { samples: size.report, warmup: size.reportWarmup }));
      }
    }
    if (want(3)) {
      log(`(3) memory with ${size.open} open action workflows`);
      show('memory', await workerMemory(stack, idle, { open: size.open, log }));
    }
    if (want(5)) {
      log('(5) GET /actions with autocannon');
      show('list', await listActionsLoad(stack, { seconds: size.listSeconds, connections: 10, rows: size.listRows }));
    }
    if (want(7)) {
      log('(7) web dashboard and My actions with autocannon');
      show('web', await webPagesLoad(stack, { seconds: size.listSeconds, connections: 10, rows: size.listRows }));
    }
    if (want(4)) {
      log(`(4) ${size.reminders} reminders due within ${size.reminderWindow} s`);
      // How far ahead to plan depends on how fast workflows start here; 5/s when no earlier figure measured it.
      const startRate =
        Number(results.memory?.details.topUpPerSecond) ||
        Number(results.throughput?.details.actionWorkflowsPerSecond) ||
        5;
      show(
        'reminders',
        await reminderLateness(stack, { count: size.reminders, windowSeconds: size.reminderWindow, startRate, log }),
      );
    }
  } finally {
    meta.loadAverageAfter = load();
    await stack.stop().catch((err) => log(`stop: ${String(err)}`));
  }

  const order = ['throughput', 'evidence', 'memory', 'reminders', 'list', 'report', 'web'];
  const rows = order.filter((k) => results[k]).map((k) => results[k].row);
  const out = {
    meta: { ...meta, seconds: round((Date.now() - began) / 1000, 0) },
    rows,
    details: Object.fromEntries(order.filter((k) => results[k]).map((k) => [k, results[k].details])),
  };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, `${meta.mode}-${meta.startedAt.replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(out, null, 2)}\n`,
  );
  process.stdout.write(
    `\n${meta.mode} run, ${meta.database}, ${meta.cpus} cores, load ${meta.loadAverageBefore.join(' ')} -> ${meta.loadAverageAfter.join(' ')}, ${out.meta.seconds} s\n${table(rows)}\n\nwritten bench/results/latest.json\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
