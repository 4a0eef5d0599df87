/** Small helpers: percentiles, timing, bounded concurrency, process memory. */
import v8 from 'node:v8';
import vm from 'node:vm';
export { pool } from '../lib/concurrency';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of already-sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` is truthy; throws after `ms`. */
export async function until(probe: () => Promise<boolean>, ms: number, every = 100, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`${what} not reached within ${Math.round(ms / 1000)} s`);
    await sleep(every);
  }
}

let gcFn: (() => void) | undefined;
/** A full GC, so RSS samples are not just garbage not yet collected. */
export function fullGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

export const MB = 1024 * 1024;
export function memory() {
  const m = process.memoryUsage();
  return {
    rssMB: m.rss / MB,
    heapUsedMB: m.heapUsed / MB,
    externalMB: m.external / MB,
    arrayBuffersMB: m.arrayBuffers / MB,
  };
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
