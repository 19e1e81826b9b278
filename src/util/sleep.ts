import { abortedError } from '../errors.js';

/** Sleeps `ms`; rejects with AppError ABORTED (carrying the signal's reason) as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, abortMessage = 'aborted'): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal, abortMessage));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortedError(signal, abortMessage));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
