// The executor's retry loop is the only one; recovery strategies use it too.
export { backoffDelay, retryWithBackoff, type BackoffOptions } from '../models/retry.js';
export { sleep } from '../util/sleep.js';
