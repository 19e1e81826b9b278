import type { CapacityReport } from './types.js';

/** Where an endpoint's capacity came from. */
export type CapacitySource = 'config' | 'server' | 'learned';

/** Most requests a learned capacity grows to (the range of local.concurrency). */
export const MAX_LEARNED = 64;
/** Good samples at full load before a capacity cut by queueing is probed upwards again. */
const REPROBE_AFTER = 32;

/**
 * How many requests one endpoint runs at once. Set in config (never changed), stated by the server
 * (llama.cpp slots, vLLM's batch limit while requests wait), or learned from observed latency.
 *
 * Learning watches each request's time to first token and how many requests were in flight on
 * the endpoint when it was sent. A request sent alone sets the baseline (the fastest solo first
 * token); a request sent with others that waits more than 1.5 times the baseline (+20 ms) was queued
 * by the server, so the endpoint runs fewer than that many at once. Without queueing at full load
 * the capacity grows (doubling until the first queueing, then one at a time). A stated capacity
 * that queueing contradicts (a server that lies) is replaced by the learned one.
 */
export class Capacity {
  value: number;
  source: CapacitySource;
  detail: string;
  private solo: number | undefined;
  /** Why the capacity is learned (kept in the detail as it grows). */
  private basis = '';
  private growing = true;
  private good = 0;

  constructor(init: { value: number; source: CapacitySource; detail: string }) {
    this.value = Math.max(1, Math.floor(init.value));
    this.source = init.source;
    this.detail = init.detail;
  }

  /** Adopts what the server said (a capacity set in config is kept). */
  fromServer(r: CapacityReport | undefined): void {
    if (this.source === 'config') return;
    if (r?.slots !== undefined) {
      this.value = r.slots;
      this.source = 'server';
      this.detail = `${r.source}: ${r.slots} slot${r.slots === 1 ? '' : 's'}`;
      return;
    }
    this.source = 'learned';
    if (!r) {
      this.basis = 'the server does not report its parallel slots';
      this.detail = `${this.basis}; learned from latency`;
      return;
    }
    const state = r.loaded === false ? 'model not loaded yet, ' : r.loaded ? 'model loaded, ' : '';
    this.basis = `${r.source}: ${state}parallel slots not reported`;
    this.detail = `${this.basis}; learned from latency`;
    if (r.running !== undefined && r.running > this.value) this.value = Math.min(MAX_LEARNED, r.running);
  }

  /** The capacity endpoint failed or answered nonsense: learn instead. */
  unknown(why: string): void {
    if (this.source === 'config') return;
    this.source = 'learned';
    this.basis = why;
    this.detail = `${why}; learned from latency`;
  }

  /**
   * One finished request: its first-token time, the requests in flight on the endpoint when it was
   * sent (itself included), and whether more work was waiting (growth is only tried under demand).
   */
  observe(firstTokenMs: number, concurrency: number, demand: boolean): void {
    if (this.source === 'config') return;
    if (concurrency <= 1) {
      this.solo = this.solo === undefined ? firstTokenMs : Math.min(this.solo, firstTokenMs);
      if (this.source === 'learned' && this.value === 1 && demand) this.grow();
      return;
    }
    if (this.solo === undefined) return; // no baseline yet: nothing to compare with
    const queued = firstTokenMs > 1.5 * this.solo + 20;
    if (queued && concurrency <= this.value) {
      const said = this.source === 'server' ? `the server said ${this.value}; ` : '';
      this.value = Math.max(1, concurrency - 1);
      this.source = 'learned';
      this.growing = false;
      this.good = 0;
      this.detail = `${said}requests queued with ${concurrency} in flight; learned ${this.value}`;
      return;
    }
    if (!queued && this.source === 'learned' && concurrency >= this.value && demand) this.grow();
  }

  private grow(): void {
    if (!this.growing && ++this.good < REPROBE_AFTER) return;
    this.good = 0;
    const next = Math.min(MAX_LEARNED, this.growing ? this.value * 2 : this.value + 1);
    if (next === this.value) return;
    this.value = next;
    const basis = this.basis ? `${this.basis}; ` : '';
    this.detail = `${basis}no queueing seen up to ${this.value - 1} in flight; learned ${this.value}`;
  }
}
