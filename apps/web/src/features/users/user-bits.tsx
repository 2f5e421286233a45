'use client';

import { Badge } from '~/components/ui/badge';
import { CopyButton } from '~/components/ui/copy-button';
import { KeyIcon } from '~/components/ui/icons';

export const ROLES = [
  { value: 'developer', label: 'Developer', hint: 'uses connections through policy' },
  { value: 'reviewer', label: 'Reviewer', hint: 'approves held statements' },
  { value: 'auditor', label: 'Auditor', hint: 'reads every session and the audit trail' },
  { value: 'admin', label: 'Admin', hint: 'everything, including users and settings' },
] as const;
export type RoleName = (typeof ROLES)[number]['value'];

export const roleLabel = (r: string): string => ROLES.find((x) => x.value === r)?.label ?? r;

export const SELECT =
  'h-8 rounded-md border border-slate-300 bg-white pl-2 pr-7 text-[13px] text-slate-700 shadow-sm ' +
  'focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10 disabled:opacity-50';

export function RoleBadge({ role, title }: { role: string; title?: string }) {
  const tone = role === 'admin' ? 'red' : role === 'reviewer' ? 'amber' : role === 'auditor' ? 'blue' : 'neutral';
  return (
    <Badge tone={tone} title={title}>
      {roleLabel(role)}
    </Badge>
  );
}

/** A secret generated for someone (a password, a token): shown this once, with a copy button. */
export function ShownOnce({ title, detail, secret, onDone, testId }: { title: string; detail: string; secret: string; onDone: () => void; testId: string }) {
  return (
    <div role="status" data-testid={testId} className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3">
      <p className="flex items-center gap-2 text-[13px] font-medium text-amber-950">
        <KeyIcon width={15} height={15} className="text-amber-700" />
        {title}
      </p>
      <p className="mt-0.5 text-[12px] text-amber-900/80">{detail}</p>
      <div className="mt-2.5 flex flex-wrap items-center gap-2">
        <span className="inline-flex max-w-full items-center gap-1 rounded-md border border-amber-200 bg-white py-1 pl-2.5 pr-1">
          <code className="truncate font-mono text-[13px] text-slate-900" data-testid={`${testId}-value`}>
            {secret}
          </code>
          <CopyButton text={secret} label="Copy" />
        </span>
        <button
          type="button"
          onClick={onDone}
          className="inline-flex h-8 items-center rounded-md bg-amber-900 px-3 text-[12px] font-medium text-white shadow-sm hover:bg-amber-950"
        >
          I have copied it
        </button>
      </div>
    </div>
  );
}
