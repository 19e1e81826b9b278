import { describe, expect, it } from 'vitest';
import { Capacity } from '../../../src/models/capacity.js';

const learned = () => new Capacity({ value: 1, source: 'learned', detail: 'not discovered yet' });

describe('Capacity (learned from first-token times under load)', () => {
  it('grows while requests at full load are not queued: doubling, then one at a time after a cut', () => {
    const c = learned();
    c.observe(100, 1, true); // alone: the baseline, and no queueing at capacity 1
    expect(c.value).toBe(2);
    c.observe(105, 2, true);
    expect(c.value).toBe(4);
    c.observe(400, 3, true); // queued with 3 in flight: runs 2 at once
    expect(c).toMatchObject({ value: 2, source: 'learned' });
    expect(c.detail).toBe('requests queued with 3 in flight; learned 2');
    for (let i = 0; i < 31; i++) c.observe(100, 2, true);
    expect(c.value).toBe(2); // a cut is probed upwards again only after 32 good samples at full load
    c.observe(100, 2, true);
    expect(c.value).toBe(3);
  });

  it('never grows without demand, and never judges queueing without a baseline', () => {
    const c = learned();
    c.observe(100, 1, false);
    expect(c.value).toBe(1);
    const d = new Capacity({ value: 4, source: 'server', detail: 'llama.cpp /props: 4 slots' });
    d.observe(900, 3, true); // no request seen alone yet
    expect(d).toMatchObject({ value: 4, source: 'server' });
  });

  it('a stated capacity that queueing contradicts is replaced; a configured one is never changed', () => {
    const s = new Capacity({ value: 1, source: 'learned', detail: '' });
    s.fromServer({ source: 'llama.cpp /props', slots: 8 });
    expect(s).toMatchObject({ value: 8, source: 'server', detail: 'llama.cpp /props: 8 slots' });
    s.observe(50, 1, false);
    s.observe(300, 2, true);
    expect(s).toMatchObject({
      value: 1,
      source: 'learned',
      detail: 'the server said 8; requests queued with 2 in flight; learned 1',
    });
    const cfg = new Capacity({ value: 3, source: 'config', detail: 'set in config' });
    cfg.fromServer({ source: 'llama.cpp /props', slots: 8 });
    cfg.observe(50, 1, true);
    cfg.observe(900, 2, true);
    expect(cfg).toMatchObject({ value: 3, source: 'config' });
  });

  it('a report without a slot count (vLLM idle, Ollama, LM Studio) or an error leaves it learned, saying why', () => {
    const v = learned();
    v.fromServer({ source: 'vLLM /metrics', running: 3, waiting: 0 });
    expect(v).toMatchObject({ value: 3, source: 'learned' });
    expect(v.detail).toBe('vLLM /metrics: parallel slots not reported; learned from latency');
    const o = learned();
    o.fromServer({ source: 'Ollama /api/ps', loaded: true });
    expect(o.detail).toBe('Ollama /api/ps: model loaded, parallel slots not reported; learned from latency');
    const e = learned();
    e.unknown('capacity endpoint failed (boom)');
    e.observe(100, 1, true);
    expect(e.detail).toBe('capacity endpoint failed (boom); no queueing seen up to 1 in flight; learned 2');
  });
});
