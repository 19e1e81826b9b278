import { AppError } from '../errors.js';

/** Sleeps `ms`; rejects with AppError ABORTED (carrying the signal's reason) as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, abortMessage = 'aborted'): Promise<void> {
  const aborted = () =>
    new AppError('ABORTED', abortMessage, {
      hint: 'the operation was interrupted; run it again to resume',
      cause: signal?.reason,
    });
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
