import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/models/circuit-breaker.js';
import { Limiter, sleep } from '../../../src/models/limiter.js';
import { AppError } from '../../../src/errors.js';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, half-opens after the cooldown, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker('http://x', { threshold: 3, cooldownMs: 1000, now: () => now });
    b.failure();
    b.failure();
    b.enter();
    b.failure();
    expect(b.state).toBe('open');
    expect(() => b.enter()).toThrow(expect.objectContaining({ code: 'CIRCUIT_OPEN' }));
    now = 1000;
    expect(b.state).toBe('half-open');
    b.enter(); // the one trial
    expect(() => b.enter()).toThrow(AppError); // no second trial while the first runs
    b.success();
    expect(b.state).toBe('closed');
    b.enter();
  });

  it('a failed half-open trial re-opens at once', () => {
    let now = 0;
    const b = new CircuitBreaker('http://x', { threshold: 2, cooldownMs: 100, now: () => now });
    b.failure();
    b.failure();
    now = 150;
    b.enter();
    b.failure();
    expect(b.state).toBe('open');
  });

  it('a success in between resets the count', () => {
    const b = new CircuitBreaker('http://x', { threshold: 2 });
    b.failure();
    b.success();
    b.failure();
    expect(b.state).toBe('closed');
  });
});

describe('Limiter', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const l = new Limiter(2);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        l.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(2);
          running--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(l.inFlight).toBe(0);
  });

  it('an aborted waiter leaves the queue without taking a slot', async () => {
    const l = new Limiter(1);
    await l.acquire();
    const ac = new AbortController();
    const waiting = l.acquire(ac.signal);
    expect(l.waiting).toBe(1);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(l.waiting).toBe(0);
    l.release();
    expect(l.inFlight).toBe(0);
    await l.acquire(); // the slot is free again
    expect(l.inFlight).toBe(1);
  });

  it('rejects an already-aborted signal immediately', async () => {
    const l = new Limiter(1);
    const ac = new AbortController();
    ac.abort();
    await expect(l.acquire(ac.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(l.inFlight).toBe(0);
  });

  it('sleep is cancelled by its signal', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
