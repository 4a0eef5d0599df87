/**
 * In-memory sliding-window limits for sign-in link requests, per client address and per e-mail.
 * One process only: several API processes would each allow the limit (acceptable for a brake on
 * mail-bombing someone's inbox; the links themselves are one-time and expire).
 */
export interface SignInLimits {
  /** Link requests for one e-mail address per window. */
  perEmail: number;
  /** Link requests from one client address per window (any e-mail). */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perEmail: 5, perAddress: 30, windowMs: 15 * 60 * 1000 };

/** Keys tracked at most; beyond this the oldest are dropped, so a flood of addresses cannot exhaust memory. */
const MAX_KEYS = 50_000;

export class SlidingWindowLimiter {
  private hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Records a hit and says whether it is within the limit. */
  take(key: string, now = Date.now()): boolean {
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    const allowed = list.length < this.max;
    if (allowed) list.push(now);
    // Re-insert so the Map's order is least recently used first.
    this.hits.delete(key);
    this.hits.set(key, list);
    if (this.hits.size > MAX_KEYS) {
      for (const k of this.hits.keys()) {
        this.hits.delete(k);
        if (this.hits.size <= MAX_KEYS) break;
      }
    }
    return allowed;
  }
}

export class SignInLimiter {
  private readonly byEmail: SlidingWindowLimiter;
  private readonly byAddress: SlidingWindowLimiter;

  constructor(limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {
    this.byEmail = new SlidingWindowLimiter(limits.perEmail, limits.windowMs);
    this.byAddress = new SlidingWindowLimiter(limits.perAddress, limits.windowMs);
  }

  /** Both limits are charged on every request, so alternating addresses does not help an attacker. */
  allow(address: string, email: string, now = Date.now()): boolean {
    const a = this.byAddress.take(address, now);
    const e = this.byEmail.take(email.trim().toLowerCase(), now);
    return a && e;
  }
}
