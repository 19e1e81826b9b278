import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/models/circuit-breaker.js';
import { Semaphore } from '../../../src/util/semaphore.js';
import { sleep } from '../../../src/util/sleep.js';
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

describe('Semaphore', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const l = new Semaphore(2);
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
    const l = new Semaphore(1);
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
    const l = new Semaphore(1);
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

describe('Semaphore limit changes', () => {
  it('a raised limit admits waiters at once; a cut one takes effect as holders leave', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const order: number[] = [];
    const a = s.acquire().then(() => order.push(1));
    const b = s.acquire().then(() => order.push(2));
    expect(s.waiting).toBe(2);
    s.limit = 3;
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    expect(s.inFlight).toBe(3);
    s.limit = 1;
    const c = s.acquire();
    let got = false;
    void c.then(() => (got = true));
    s.release();
    s.release();
    await Promise.resolve();
    expect(got).toBe(false); // two holders left, one remains: still at the limit
    s.release();
    await c;
    expect(s.inFlight).toBe(1);
  });
});
