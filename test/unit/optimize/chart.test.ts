import { describe, expect, it } from 'vitest';
import { renderChart } from '../../../src/optimize/chart.js';

describe('renderChart', () => {
  it('draws best and mean per generation between labelled bounds', () => {
    const out = renderChart(
      [
        { best: 1, mean: 0.5 },
        { best: 2, mean: 1 },
        { best: 3, mean: null },
      ],
      { height: 5 },
    );
    expect(out).toBe(
      [
        '  3 |  *',
        '    |   ',
        '    | * ',
        '    |*. ',
        '0.5 |.  ',
        '    +---',
        '     gen 0-2',
        '     * best  . mean',
      ].join('\n'),
    );
  });

  it('samples long runs down to the width and labels the last generation', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ best: i, mean: i / 2 }));
    const lines = renderChart(pts, { width: 40, height: 8 }).split('\n');
    expect(lines[0]).toMatch(/^99 \|.{39}\*$/);
    expect(lines[7]).toMatch(/^ 0 \|\*/);
    expect(lines[9]!.trimEnd()).toMatch(/gen 0 +gen 99$/);
    expect(lines.every((l) => l.length <= 3 + 1 + 40 + 1)).toBe(true);
  });

  it('copes with a flat line and with nothing to draw', () => {
    expect(renderChart([{ best: 5, mean: 5 }])).toContain('*');
    expect(renderChart([])).toBe('(no finished generation yet)');
    expect(renderChart([{ best: null, mean: null }])).toBe('(no finished generation yet)');
  });
});
