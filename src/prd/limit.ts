/** A counting semaphore: at most `n` tasks run at once; waiting tasks start in FIFO order. */
export function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active < n && queue.length) {
      active++;
      queue.shift()!();
    }
  };
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((res) => {
      queue.push(res);
      next();
    });
    try {
      return await fn();
    } finally {
      active--;
      next();
    }
  };
}
