import type { inferOutput } from '@trpc/tanstack-react-query';
import type { useTRPC } from '~/trpc/react';

type Trpc = ReturnType<typeof useTRPC>;
export type ConversationPage = inferOutput<Trpc['session']['conversation']>;
export type Exchange = ConversationPage['exchanges'][number];
export type ToolCall = Exchange['toolCalls'][number];
export type Guard = NonNullable<ToolCall['guard']>;
export type FullRequest = inferOutput<Trpc['session']['exchangeRequest']>;
export type Message = FullRequest['messages'][number];
export type Block = Message['blocks'][number];

/** `12,345` / `12.3k` / `1.2M` tokens. */
export function tokens(n: number): string {
  if (n < 10_000) return n.toLocaleString('en-US');
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`: the date suffix says little on a page. */
export const shortModel = (m: string): string => m.replace(/-\d{8}$/, '');

/** Input JSON as the model wrote it, indented when it reads as JSON. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** What a tool call asks, in one line: a Bash command, a file path, else its input. */
export function toolSummary(name: string, input: string): string {
  let o: unknown = null;
  try {
    o = JSON.parse(input);
  } catch {
    return input;
  }
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    const r = o as Record<string, unknown>;
    for (const k of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'sql', 'prompt'])
      if (typeof r[k] === 'string') return name === 'Bash' && k === 'command' ? `$ ${r[k]}` : (r[k] as string);
  }
  return input;
}
