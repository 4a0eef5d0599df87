/**
 * Limits on sign-in link requests, per client address and per e-mail, counted in Postgres so
 * every API process shares them (a brake on mail-bombing someone's inbox; the links themselves
 * are one-time and expire).
 */
import type { DbOrTx } from '../../db/client';
import { countInWindow, limitKey } from '../http/rate-limits';

export interface SignInLimits {
  /** Link requests for one e-mail address per window. */
  perEmail: number;
  /** Link requests from one client address per window (any e-mail). */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perEmail: 5, perAddress: 30, windowMs: 15 * 60 * 1000 };

export class SignInLimiter {
  constructor(
    private readonly db: DbOrTx,
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
  ) {}

  /**
   * Both limits are charged on every request, so alternating addresses does not help an attacker.
   * `holdsSession`: the browser already has a session of this very person, which a stranger
   * cannot have; the per-e-mail limit, the one a stranger can exhaust for someone, is waived.
   */
  async allow(address: string, email: string, holdsSession = false): Promise<boolean> {
    const { windowMs } = this.limits;
    const byAddress = await countInWindow(this.db, limitKey('sign-in-address', address), windowMs);
    if (holdsSession) return byAddress.count <= this.limits.perAddress;
    const byEmail = await countInWindow(this.db, limitKey('sign-in-email', email.trim().toLowerCase()), windowMs);
    return byAddress.count <= this.limits.perAddress && byEmail.count <= this.limits.perEmail;
  }
}
