'use client';

import { useState } from 'react';
import { CheckIcon, CopyIcon } from './icons';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      title={copied ? 'Copied' : label}
      aria-label={copied ? 'Copied' : `${label}: ${text}`}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
      className="inline-flex h-6 w-6 items-center justify-center rounded text-slate-400 hover:bg-slate-100 hover:text-slate-700"
    >
      {copied ? <CheckIcon width={13} height={13} className="text-emerald-600" /> : <CopyIcon width={13} height={13} />}
    </button>
  );
}

/** A shell command in monospace with a copy button. */
export function Command({ text }: { text: string }) {
  return (
    <span
      className={
        'inline-flex max-w-full items-center gap-1 rounded border border-slate-200 bg-slate-50 py-0.5 pl-2 pr-0.5 ' + 'font-mono text-[12px] text-slate-700'
      }
    >
      <span className="truncate">{text}</span>
      <CopyButton text={text} label="Copy command" />
    </span>
  );
}
