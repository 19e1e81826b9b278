import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { checkRunSize, loadSpec, RUN_LIMITS, validateSpec } from '../../../src/optimize/spec.js';

const base = () => ({
  genome: { batch_size: 32, cache_enabled: true },
  ranges: { batch_size: { type: 'int', min: 1, max: 100 }, cache_enabled: { type: 'bool' } },
});

function error(raw: unknown): ValidationError {
  try {
    validateSpec(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('spec was accepted');
}

describe('optimize spec', () => {
  it('accepts the example and fills defaults', () => {
    const s = validateSpec(base());
    expect(s.genome).toEqual({ batch_size: 32, cache_enabled: true });
    expect(s.evolution.populationSize).toBe(20);
    expect(s.ranges.batch_size).toEqual({ type: 'int', min: 1, max: 100 });
  });

  it('names the field of an inverted range', () => {
    const s = base();
    s.ranges.batch_size = { type: 'int', min: 100, max: 1 };
    expect(error(s).message).toBe('ranges.batch_size: inverted range: min 100 is greater than max 1');
  });

  it('names the field of an empty range', () => {
    const s = { ...base(), ranges: { ...base().ranges, mode: { type: 'choice', values: [] } } };
    expect(error(s).message).toMatch(/^ranges\.mode\.values: empty range/);
    const t = { ...base(), ranges: { ...base().ranges, n: { type: 'int', min: 1.2, max: 1.8 } } };
    expect(error(t).message).toMatch(/^ranges\.n: empty range/);
  });

  it('names an unknown type', () => {
    const s = { ...base(), ranges: { ...base().ranges, x: { type: 'complex' } } };
    expect(error(s).message).toBe('ranges.x.type: unknown type "complex" (expected int, float, bool or choice)');
  });

  it('names a genome key without a range', () => {
    const s = { ...base(), genome: { ...base().genome, retries: 3 } };
    const e = error(s);
    expect(e.message).toBe('genome.retries: has no range in ranges');
    expect(e.hint).toMatch(/ranges\.retries/);
  });

  it('rejects population < 2, elitism >= population and a genome value outside its range', () => {
    expect(error({ ...base(), population_size: 1 }).message).toBe('population_size: must be at least 2');
    expect(error({ ...base(), population_size: 4, elitism: 4 }).message).toMatch(/^elitism: must be smaller/);
    expect(error({ ...base(), genome: { batch_size: 500 } }).message).toMatch(/^genome\.batch_size: 500 is outside/);
    expect(error({ ...base(), genome: { cache_enabled: 'yes' } }).message).toMatch(
      /^genome\.cache_enabled: must be true or false/,
    );
  });

  it('reads YAML and JSON files and prefixes errors with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tml-spec-'));
    writeFileSync(
      join(dir, 's.yaml'),
      'ranges:\n  a: {type: float, min: 0, max: 1}\nseed: 3\noptimization_goal: fast\nevaluation_criteria: [latency]\n',
    );
    const y = loadSpec(join(dir, 's.yaml'));
    expect(y.evolution.seed).toBe(3);
    expect(y.evaluator).toEqual({ type: 'llm', evaluation_criteria: ['latency'], optimization_goal: 'fast' });
    writeFileSync(join(dir, 's.json'), '{"ranges": {"a": {"type": "float", "min": 2, "max": 1}}}');
    expect(() => loadSpec(join(dir, 's.json'))).toThrow(`${join(dir, 's.json')}: ranges.a: inverted range`);
    writeFileSync(join(dir, 'bad.json'), '{"ranges": ');
    expect(() => loadSpec(join(dir, 'bad.json'))).toThrow(ValidationError);
  });
});

describe('run size limits', () => {
  const spec = (population_size: number, max_generations: number) =>
    validateSpec({ ...base(), population_size, max_generations });

  it('refuses sizes that would run for hours, naming the setting, the limit and --force', () => {
    expect(() => checkRunSize(spec(100_000_000, 30))).toThrow(
      'population_size 100,000,000 is above the limit of 1,000 (a run that size takes hours)',
    );
    expect(() => checkRunSize(spec(20, 100_000))).toThrow(/max_generations 100,000 is above the limit of 1,000/);
    expect(() => checkRunSize(spec(500, 100), { source: 'spec.json' })).toThrow(
      /^spec\.json: population_size × max_generations = 50,000 evaluations, above the limit of 20,000/,
    );
    try {
      checkRunSize(spec(RUN_LIMITS.population + 1, 1));
    } catch (e) {
      expect((e as ValidationError).hint).toMatch(/--force/);
      expect((e as ValidationError).exitCode).toBe(2);
    }
  });

  it('allows the limits themselves, and anything with force', () => {
    expect(() => checkRunSize(spec(RUN_LIMITS.population, 20))).not.toThrow();
    expect(() => checkRunSize(spec(100, 200))).not.toThrow();
    expect(() => checkRunSize(spec(100_000_000, 100_000), { force: true })).not.toThrow();
  });
});
