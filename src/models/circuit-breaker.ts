import { AppError } from '../errors.js';

/** Breaker state of one endpoint. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  threshold?: number;
  /** How long an open circuit refuses calls before letting one trial call through. */
  cooldownMs?: number;
  /** Clock seam so tests need no sleeping. */
  now?: () => number;
}

/**
 * Per-endpoint circuit breaker: after `threshold` consecutive failures the endpoint is skipped for
 * `cooldownMs`, so a dead server costs one fast refusal instead of a timeout per call; then one
 * trial call (half-open) decides whether it closes again.
 */
export class CircuitBreaker {
  readonly threshold: number;
  readonly cooldownMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;
  /** Why the circuit was tripped open at once (a hung server), for the refusal message. */
  private reason: string | undefined;

  constructor(
    readonly endpoint: string,
    opts: BreakerOptions = {},
  ) {
    this.threshold = opts.threshold ?? 5;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /** Current state (open turns half-open once the cooldown has passed). */
  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Throws CIRCUIT_OPEN unless a call may go through now; in half-open only one trial at a time. */
  enter(): void {
    const s = this.state;
    if (s === 'closed') return;
    if (s === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    const waitS = Math.max(1, Math.ceil((this.cooldownMs - (this.now() - (this.openedAt ?? 0))) / 1000));
    throw new AppError(
      'CIRCUIT_OPEN',
      this.reason
        ? `skipped ${this.endpoint}: ${this.reason}`
        : `circuit open for ${this.endpoint} after ${this.failures} consecutive failures`,
      {
        hint: `the server kept failing; it will be tried again in about ${waitS}s (check it with \`task-master-local health\`)`,
        details: { endpoint: this.endpoint, failures: this.failures },
      },
    );
  }

  /** Records a successful call: the circuit closes. */
  success(): void {
    this.failures = 0;
    this.reason = undefined;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  /** Records a failure that says something about the endpoint's health (not a bad answer). */
  failure(): void {
    this.failures += 1;
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (wasTrial || this.failures >= this.threshold) this.openedAt = this.now();
  }

  /**
   * Opens the circuit at once: the endpoint accepted a request and then sent nothing (hung). Waiting
   * out another full deadline for each model on it would only repeat the silence.
   */
  trip(reason: string): void {
    this.reason = reason;
    this.failures = Math.max(this.failures + 1, this.threshold);
    this.trialInFlight = false;
    this.openedAt = this.now();
  }

  /** Releases a half-open trial that ended without a verdict (e.g. the caller aborted). */
  release(): void {
    this.trialInFlight = false;
  }
}
