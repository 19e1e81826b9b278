import { AppError } from '../errors.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { ModelRef } from './types.js';

/**
 * What the executor remembers about servers that went silent. A model that accepted a request and
 * then sent nothing (or stalled) is skipped for `cooldownMs`; its endpoint becomes suspect, so the
 * next call there gets a shorter deadline; a second silent model on a suspect endpoint means the
 * server itself hangs, and its circuit breaker opens. Any data from the endpoint clears suspicion.
 */
export class Silence {
  /** endpoint|model → until when it is skipped, and why. */
  private readonly hung = new Map<string, { until: number; why: string }>();
  /** endpoint → when a model on it last went silent. */
  private readonly suspects = new Map<string, number>();

  constructor(private readonly cooldownMs: number) {}

  /** Whether a model went silent on this endpoint lately (its calls get a third of the deadlines). */
  suspect(endpoint: string): boolean {
    const at = this.suspects.get(endpoint);
    return at !== undefined && Date.now() - at < this.cooldownMs;
  }

  /** Data arrived from the endpoint: it is not hung. */
  heard(endpoint: string): void {
    this.suspects.delete(endpoint);
  }

  /** Throws CIRCUIT_OPEN when this model went silent on this endpoint lately: fall back at once. */
  check(ref: ModelRef, endpoint: string): void {
    const h = this.hung.get(`${endpoint}|${ref.model}`);
    if (!h || h.until <= Date.now()) return;
    throw new AppError('CIRCUIT_OPEN', `skipped ${ref.model} on ${ref.endpoint ?? ref.provider}: ${h.why}`, {
      hint: `it will be tried again in about ${Math.max(1, Math.round((h.until - Date.now()) / 1000))} s; check the server with \`task-master-local health\``,
      details: { endpoint: ref.endpoint, model: ref.model },
    });
  }

  /** Records a model that went silent; a second one on the same endpoint opens the endpoint's breaker. */
  silent(ref: ModelRef, endpoint: string, err: Error, breaker: CircuitBreaker): void {
    const why = `it went silent (${err.message})`;
    this.hung.set(`${endpoint}|${ref.model}`, { until: Date.now() + this.cooldownMs, why });
    if (this.suspect(endpoint)) breaker.trip(why);
    else this.suspects.set(endpoint, Date.now());
  }
}
