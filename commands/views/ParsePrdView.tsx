import { useEffect, useState } from 'react';
import { render } from 'ink';
import type { PrdEvent } from '../../src/prd/processor.js';
import { ParsePrdTree, initialState, reduce, type ViewState } from './ParsePrdTree.js';

function Live({ s, started }: { s: ViewState; started: number }) {
  const [, setTick] = useState(0);
  useEffect(() => {
    // Events mutate the shared state; a 10 Hz tick redraws it and moves the elapsed clock.
    const t = setInterval(() => setTick((x) => x + 1), 100);
    return () => clearInterval(t);
  }, []);
  return <ParsePrdTree s={s} elapsedMs={Date.now() - started} />;
}

/** Starts the live ink view on the TTY; `stop` draws the final frame and unmounts. */
export async function startParsePrdView() {
  const s = initialState();
  const started = Date.now();
  const app = render(<Live s={s} started={started} />, {
    stdout: process.stdout,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  let stopped = false;
  return {
    onProgress: (e: PrdEvent) => void reduce(s, e),
    async stop() {
      if (stopped) return;
      stopped = true;
      app.rerender(<ParsePrdTree s={s} elapsedMs={Date.now() - started} />);
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
