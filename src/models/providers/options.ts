/**
 * How to reach one model server. There are no time limits here: the executor owns every deadline
 * and cuts a call through its AbortSignal.
 */
export interface ProviderOptions {
  endpoint: string;
  apiKey?: string;
  fetch?: typeof fetch;
  keepAlive?: string;
  threads?: number;
}
