/** One example as a JSONL line in the format a trainer reads. */
import type { ChatMessage } from '../models/types.js';
import type { DatasetFormat } from './types.js';

const FROM = { system: 'system', user: 'human', assistant: 'gpt' } as const;

function parts(messages: ChatMessage[]) {
  const answer = messages.at(-1)!;
  const prompt = messages.slice(0, -1);
  const system = prompt.filter((m) => m.role === 'system').map((m) => m.content);
  const user = prompt.filter((m) => m.role !== 'system').map((m) => m.content);
  return { system: system.join('\n\n'), user: user.join('\n\n'), answer: answer.content };
}

/**
 * `chat`: `{"messages": [...]}` (mlx-lm, Unsloth, axolotl `chat_template`, OpenAI-style trainers);
 * `sharegpt`: `{"conversations": [{"from", "value"}]}`; `alpaca`: `{"instruction", "input", "output"}`
 * with the system text as the instruction; `completion`: `{"prompt", "completion"}` (mlx-lm's
 * completions format, llama.cpp's finetune after concatenation).
 */
export function formatLine(messages: ChatMessage[], format: DatasetFormat): string {
  switch (format) {
    case 'chat':
      return JSON.stringify({ messages: messages.map((m) => ({ role: m.role, content: m.content })) });
    case 'sharegpt':
      return JSON.stringify({ conversations: messages.map((m) => ({ from: FROM[m.role], value: m.content })) });
    case 'alpaca': {
      const p = parts(messages);
      return JSON.stringify(
        p.system
          ? { instruction: p.system, input: p.user, output: p.answer }
          : { instruction: p.user, input: '', output: p.answer },
      );
    }
    case 'completion': {
      const p = parts(messages);
      return JSON.stringify({
        prompt: p.system ? `${p.system}\n\n${p.user}\n\n` : `${p.user}\n\n`,
        completion: p.answer,
      });
    }
  }
}
