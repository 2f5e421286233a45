'use client';

import type { FieldErrors } from './connection-fields';
import { TextField } from './target-inputs';

/** The model API Claude Code reaches through hoop (anthropicConfigFrom in @hoop/protocol reads what this saves). */

export const ANTHROPIC_DEFAULT_URL = 'https://api.anthropic.com';

export interface AnthropicFields {
  baseUrl: string;
}

/** The form's fields from a stored config (a new connection, or another type's, starts from the default). */
export function anthropicFieldsFrom(type: string, config: Record<string, unknown>): AnthropicFields {
  const url = type === 'anthropic' && typeof config.baseUrl === 'string' ? config.baseUrl : '';
  return { baseUrl: url || ANTHROPIC_DEFAULT_URL };
}

/** What the API takes as an anthropic connection's `config`. */
export function anthropicConfigOf(f: AnthropicFields): Record<string, unknown> {
  return { baseUrl: f.baseUrl };
}

export function AnthropicTarget({
  f,
  set,
  disabled,
  errors = {},
}: {
  f: AnthropicFields;
  set: (f: AnthropicFields) => void;
  disabled: boolean;
  errors?: FieldErrors;
}) {
  return (
    <div className="space-y-3">
      <TextField
        id="an-base-url"
        label="API base URL"
        hint="Where the agent sends Claude Code's requests, with the API key below. Anthropic's API unless you run a gateway of your own."
        error={errors.baseUrl}
        value={f.baseUrl}
        onChange={(baseUrl) => set({ baseUrl })}
        placeholder={ANTHROPIC_DEFAULT_URL}
        disabled={disabled}
      />
      <p className="text-[12px] text-slate-500">
        People run <code className="font-mono">hoop claude configure</code>: Claude Code then sends its requests to hoop with their own token, and the
        org&apos;s key never leaves the agent. Each conversation is recorded as a session.
      </p>
    </div>
  );
}
