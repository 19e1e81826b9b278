import { ConfigError, ProviderError } from '../../errors.js';
import type { ChatChunk, ChatRequest, DiscoveredModel, ModelProvider, ProviderHealth } from '../types.js';
import { probeHealth, wireError } from './call.js';
import { errorBodyMessage, httpError, truncatedStream } from './errors.js';
import { fetchJson } from './http-json.js';
import type { ProviderOptions } from './options.js';
import { readSse } from './sse.js';

const VERSION = '2023-06-01';
const TOOL = 'answer';

interface AnthropicEvent {
  type?: string;
  message?: { usage?: { input_tokens?: number } };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string };
  usage?: { output_tokens?: number };
  error?: { type?: string; message?: string };
}

/**
 * Anthropic's Messages API with SSE streaming. Structured output uses a forced tool call (the
 * tool's input_schema is the JSON Schema), so the streamed `input_json_delta` text is the JSON.
 * A non-object root schema is wrapped in {value: …} and unwrapped once the answer is complete.
 */
export class AnthropicProvider implements ModelProvider {
  readonly kind = 'anthropic' as const;
  readonly endpoint: string;
  private readonly baseFetch: typeof fetch;

  constructor(private readonly opts: ProviderOptions & { apiKey: string }) {
    this.endpoint = opts.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    try {
      new URL(this.endpoint);
    } catch {
      throw new ConfigError('CONFIG_INVALID', `invalid Anthropic endpoint "${opts.endpoint}"`, {
        hint: 'use https://api.anthropic.com',
      });
    }
    this.baseFetch = opts.fetch ?? fetch;
  }

  private headers(): Record<string, string> {
    return { 'x-api-key': this.opts.apiKey, 'anthropic-version': VERSION };
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    let res: Response | undefined;
    try {
      const system = req.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n\n');
      const body: Record<string, unknown> = {
        model: req.model,
        max_tokens: req.maxTokens ?? 4096,
        stream: true,
        messages: req.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
      };
      if (system) body.system = system;
      if (req.temperature !== undefined) body.temperature = req.temperature;
      const wrapped = !!req.jsonSchema && req.jsonSchema.type !== 'object';
      if (req.jsonSchema) {
        const schema = wrapped
          ? { type: 'object', properties: { value: req.jsonSchema }, required: ['value'] }
          : req.jsonSchema;
        body.tools = [
          { name: TOOL, description: 'Give the answer as JSON matching this schema.', input_schema: schema },
        ];
        body.tool_choice = { type: 'tool', name: TOOL };
      }
      res = await this.baseFetch(`${this.endpoint}/v1/messages`, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
      if (!res.ok || !res.body)
        throw httpError(
          'anthropic',
          this.endpoint,
          res.status,
          errorBodyMessage(await res.text()) || res.statusText,
          req.model,
        );
      let promptTokens = 0;
      let completionTokens = 0;
      let stop: string | undefined;
      let held = '';
      let done = false;
      for await (const ev of readSse(res.body)) {
        const e = JSON.parse(ev.data) as AnthropicEvent;
        if (e.type === 'error') {
          const status = e.error?.type === 'overloaded_error' ? 529 : undefined;
          throw httpError('anthropic', this.endpoint, status, e.error?.message ?? 'stream error', req.model);
        }
        if (e.type === 'message_start') promptTokens = e.message?.usage?.input_tokens ?? 0;
        if (e.type === 'content_block_delta') {
          const text = e.delta?.type === 'input_json_delta' ? e.delta.partial_json : e.delta?.text;
          if (text && wrapped) held += text;
          else if (text) yield { type: 'delta', text };
          if (!text || wrapped) yield { type: 'alive' };
        } else yield { type: 'alive' };
        if (e.type === 'message_delta') {
          stop = e.delta?.stop_reason;
          completionTokens = e.usage?.output_tokens ?? completionTokens;
        }
        if (e.type === 'message_stop') {
          done = true;
          break;
        }
      }
      if (!done) throw truncatedStream('anthropic', this.endpoint);
      if (wrapped) yield { type: 'delta', text: unwrap(held) };
      yield {
        type: 'done',
        usage: { promptTokens, completionTokens },
        finishReason: stop === 'max_tokens' ? 'length' : 'stop',
      };
    } catch (e) {
      throw wireError(e, 'anthropic', this.endpoint, signal, this.opts.apiKey);
    } finally {
      if (res?.body && !res.body.locked) res.body.cancel().catch(() => undefined);
    }
  }

  async embed(): Promise<number[][]> {
    throw new ProviderError('PROVIDER_ERROR', 'Anthropic does not offer embeddings', {
      hint: 'set an embedding model on a local server (e.g. `ollama pull nomic-embed-text`)',
    });
  }

  async listModels(signal?: AbortSignal): Promise<DiscoveredModel[]> {
    try {
      const res = (await fetchJson(
        this.baseFetch,
        `${this.endpoint}/v1/models`,
        { headers: this.headers(), ...(signal ? { signal } : {}) },
        (status, message) => httpError('anthropic', this.endpoint, status, message),
      )) as { data?: Array<{ id: string }> };
      return (res.data ?? []).map((m) => ({
        provider: 'anthropic',
        endpoint: this.endpoint,
        model: m.id,
        capabilities: ['completion'],
        embedding: false,
      }));
    } catch (e) {
      throw wireError(e, 'anthropic', this.endpoint, signal, this.opts.apiKey);
    }
  }

  health(signal?: AbortSignal): Promise<ProviderHealth> {
    return probeHealth('anthropic', this.endpoint, signal, async () => ({ models: await this.listModels(signal) }));
  }
}

/** The JSON of `value` inside a wrapped tool answer; the raw text when it does not parse. */
function unwrap(json: string): string {
  try {
    return JSON.stringify((JSON.parse(json) as { value?: unknown }).value);
  } catch {
    return json;
  }
}
