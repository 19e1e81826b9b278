/** How to reach one model server. Timeouts: requestTimeoutMs overall, idleTimeoutMs between streamed chunks. */
export interface ProviderOptions {
  endpoint: string;
  apiKey?: string;
  fetch?: typeof fetch;
  keepAlive?: string;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  threads?: number;
}
