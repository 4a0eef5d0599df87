import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { failureReason } from '../../activities/failure-record';

/** The reason label of actionplan_activity_failures_total: few values, and the one an operator can act on. */
describe('failureReason', () => {
  it('names a refusal the code chose by its type', () => {
    expect(failureReason(ApplicationFailure.create({ type: 'ProjectionRefused', message: 'x' }))).toBe(
      'ProjectionRefused',
    );
  });
  it('names a database error by its SQLSTATE, found under the wrapper drizzle adds', () => {
    const pg = Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    expect(failureReason(new Error('Failed query', { cause: pg }))).toBe('22021');
    expect(failureReason(Object.assign(new Error('boom'), { code: 'P0001' }))).toBe('P0001');
  });
  it('calls a lost connection "connection", a cancellation "cancelled", anything else "unknown"', () => {
    expect(failureReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'connection',
    );
    expect(failureReason(new CancelledFailure('worker shutting down'))).toBe('cancelled');
    expect(failureReason(new TypeError('x is undefined'))).toBe('unknown');
  });
});
