/** ISO-8601 durations as policies write them (workflows/duration.ts): what is accepted, what each unit is worth, what is refused. */
import { DurationError, isDuration, parseDuration } from '../../workflows/duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

describe('parseDuration', () => {
  it.each([
    ['P1W', W],
    ['P2W', 2 * W],
    ['P1D', D],
    ['P30D', 30 * D],
    ['PT1H', H],
    ['PT1M', M],
    ['PT1S', S],
    ['PT0S', 0],
    ['P0D', 0],
    ['P1W2D', W + 2 * D],
    ['P1DT2H3M4S', D + 2 * H + 3 * M + 4 * S],
    ['PT90M', 90 * M],
    ['PT1H30M', H + 30 * M],
    ['PT1H5S', H + 5 * S],
    ['P1DT1M', D + M],
    ['PT1.5S', 1500],
    ['P0.5D', 12 * H],
    ['PT0.25H', 15 * M],
    ['PT0.5M', 30 * S],
    ['P0.5W', 3.5 * D],
    ['PT0.0004S', 0],
    ['PT0.0006S', 1],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  it('ignores case and surrounding space', () => {
    expect(parseDuration(' p5d ')).toBe(5 * D);
    expect(parseDuration('pt2s')).toBe(2 * S);
    expect(isDuration('\tp1w\n')).toBe(true);
  });

  it.each([
    '',
    ' ',
    'P',
    'PT',
    'T1H',
    '5D',
    'D5',
    'P1M',
    'P1Y',
    'P1Y2D',
    'PT1X',
    'P1DT',
    'P1H',
    'PT1D',
    'P-1D',
    'P1.D',
    'P.5D',
    'P1D1W',
    'PT1S1M',
    'xP1D',
    'P1Dx',
    'P1,5D',
    'P1e3D',
  ])('refuses %p, naming it', (text) => {
    expect(isDuration(text)).toBe(false);
    let thrown: unknown;
    try {
      parseDuration(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DurationError);
    const e = thrown as DurationError;
    expect(e.name).toBe('DurationError');
    expect(e.value).toBe(text);
    expect(e.message).toBe(
      `"${text}" is not an ISO-8601 duration in weeks, days, hours, minutes or seconds (for example P7D or PT2S)`,
    );
  });

  it('a duration with trailing space is the duration', () => {
    expect(parseDuration('P1D ')).toBe(D);
  });
});
