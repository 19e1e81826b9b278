import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { OptimizeView } from '../../../commands/views/OptimizeProgress.js';

describe('OptimizeView', () => {
  it('shows the generation, new evaluations done, best/mean and the chart so far', () => {
    const s = {
      runId: 'opt-1234abcd',
      generation: 2,
      maxGenerations: 30,
      done: 5,
      pending: 10,
      evaluations: 45,
      failures: 1,
      points: [
        { best: 50, mean: 20 },
        { best: 80, mean: 40 },
      ],
    };
    const { lastFrame, unmount } = render(React.createElement(OptimizeView, { s }));
    const frame = lastFrame()!;
    expect(frame).toContain('optimize opt-1234abcd generation 3/30');
    expect(frame).toContain(`[${'#'.repeat(15)}${'-'.repeat(15)}] 5/10 new`);
    expect(frame).toContain('best 80 · mean 40 · 45 evaluations · 1 failed');
    expect(frame).toContain('* best  . mean');
    unmount();
  });
});
