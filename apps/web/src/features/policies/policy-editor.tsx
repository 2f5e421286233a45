'use client';

import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { cx } from '~/components/ui/cx';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { ShieldIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { DANGER, PRIMARY, SECONDARY, SuccessNote } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { type Catalog, type Draft, type Path, type PolicyIssue, SECTIONS, sectionOf, setIn } from './policy-draft';
import { PolicyAside } from './policy-aside';
import { parseYaml, toYaml, YamlEditor } from './policy-yaml';
import { AccessSection, ReviewSection } from './sections/access-review';
import { ClaudeSection } from './sections/claude';
import { GeneralSection } from './sections/general';
import { GuardrailsSection } from './sections/guardrails';
import { HttpSection } from './sections/http';
import { KubernetesSection } from './sections/kubernetes';
import { LimitsSection, SshSection } from './sections/limits-ssh';
import { MaskingSection } from './sections/masking';

type Detail = inferOutput<ReturnType<typeof useTRPC>['policy']['get']>;
type Saved = inferOutput<ReturnType<typeof useTRPC>['policy']['save']>;
type Mode = 'form' | 'yaml';

/** A policy's page: loads it (or starts a new one) and the form's choices, then the editor. */
export function PolicyEditor({ id, newDocument, canEdit }: { id: string | null; newDocument?: Record<string, unknown>; canEdit: boolean }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.policy.catalog.queryOptions({}));
  const q = useQuery({ ...trpc.policy.get.queryOptions(id ? { id } : skipToken), retry: (n, err) => err.data?.code !== 'NOT_FOUND' && n < 1 });
  const [notice, setNotice] = useState<Saved | null>(null);
  if ((id && q.isPending) || catalog.isPending)
    return <div className="h-[32rem] animate-pulse rounded-lg border border-slate-200 bg-white" aria-busy="true" aria-label="Loading" />;
  if (catalog.isError) return <ErrorNote title="Could not load the policy form" message={catalog.error.message} />;
  if (id && q.isError) {
    return q.error.data?.code === 'NOT_FOUND' ? (
      <EmptyState icon={<ShieldIcon width={18} height={18} />} title="This policy does not exist">
        It may have been deleted. Go back to the list to see the current policies.
      </EmptyState>
    ) : (
      <ErrorNote title="Could not load this policy" message={q.error.message} />
    );
  }
  const saved = id ? (q.data ?? null) : null;
  return (
    <Editor
      key={saved ? `${saved.id}:${saved.version}` : 'new'}
      saved={saved}
      start={saved ? saved.document : (newDocument ?? { name: '' })}
      catalog={catalog.data}
      canEdit={canEdit}
      notice={notice}
      onSaved={setNotice}
    />
  );
}

function Editor({
  saved,
  start,
  catalog,
  canEdit,
  notice,
  onSaved,
}: {
  saved: Detail | null;
  start: Record<string, unknown>;
  catalog: Catalog;
  canEdit: boolean;
  notice: Saved | null;
  onSaved: (s: Saved | null) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const startValid = !saved || saved.valid;
  const [mode, setMode] = useState<Mode>(startValid ? 'form' : 'yaml');
  const [draft, setDraft] = useState<Draft>(start as unknown as Draft);
  const [yamlText, setYamlText] = useState(() => toYaml(start));
  const [issues, setIssues] = useState<PolicyIssue[]>(saved?.issues ?? []);
  const [checked, setChecked] = useState<{ key: string; ok: boolean; document: Record<string, unknown> | null } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const yaml = useMemo(() => (mode === 'yaml' ? parseYaml(yamlText) : null), [mode, yamlText]);
  const current: unknown = mode === 'form' ? draft : yaml?.syntax ? undefined : yaml?.value;
  const currentKey = current === undefined ? null : JSON.stringify(current);
  const dirty = currentKey !== JSON.stringify(start);

  // the schema's verdict on what is on screen, a moment after typing stops
  const validate = useMutation(trpc.policy.validate.mutationOptions());
  const seq = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of the content runs it again (see the dependencies)
  useEffect(() => {
    if (currentKey === null) return;
    const n = ++seq.current;
    const t = setTimeout(() => {
      validate
        .mutateAsync({ document: JSON.parse(currentKey) as unknown })
        .then((r) => {
          if (n !== seq.current) return;
          setIssues(r.issues);
          setChecked({ key: currentKey, ok: r.ok, document: r.document });
        })
        .catch(() => undefined);
    }, 300);
    return () => clearTimeout(t);
    // runs again when the content changes, not when the mutation object does
  }, [currentKey]);

  useEffect(() => {
    if (!dirty || !canEdit) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, canEdit]);

  const save = useMutation(
    trpc.policy.save.mutationOptions({
      onSuccess: (r) => {
        onSaved(r);
        void qc.invalidateQueries({ queryKey: trpc.policy.list.queryKey() });
        void qc.invalidateQueries({ queryKey: trpc.connection.list.queryKey() });
        qc.setQueryData(trpc.policy.get.queryKey({ id: r.policy.id }), r.policy);
        if (!saved) router.replace(`/policies/${r.policy.id}`);
      },
    }),
  );
  const remove = useMutation(
    trpc.policy.delete.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: trpc.policy.list.queryKey() });
        router.push('/policies');
      },
    }),
  );

  const set = (path: Path, value: unknown) => {
    onSaved(null);
    setDraft((d) => setIn(d, path, value));
  };
  const upToDate = checked?.key === currentKey;
  const toForm = () => {
    if (!checked?.ok || !checked.document || !upToDate) return;
    setDraft(checked.document as unknown as Draft);
    setMode('form');
  };
  const toYamlMode = () => {
    setYamlText(toYaml(draft));
    setMode('yaml');
  };
  const formBlocked = mode === 'yaml' && !(upToDate && checked?.ok);
  const testBlocked =
    current === undefined ? 'Fix the YAML first.' : upToDate && !checked?.ok ? 'Fix the problems first: an invalid policy cannot be tested.' : null;
  const bySection = new Map<string, number>();
  for (const i of issues) bySection.set(sectionOf(i), (bySection.get(sectionOf(i)) ?? 0) + 1);
  const props = { d: draft, set, issues, catalog };
  const names = useQuery(trpc.connection.list.queryOptions({ pageSize: 200 }));
  const connectionNames = names.data?.items.map((c) => c.name) ?? [];
  const tagNames = [...new Set(names.data?.items.flatMap((c) => c.tags) ?? [])];

  return (
    <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]" data-testid="policy-editor" data-mode={mode} data-dirty={dirty}>
      <div className="min-w-0 space-y-4">
        <div className="sticky top-0 z-10 -mx-1 flex flex-wrap items-center gap-3 bg-slate-50/95 px-1 py-2 backdrop-blur">
          <div role="tablist" aria-label="Edit as" className="inline-flex h-8 items-center rounded-md border border-slate-300 bg-white p-0.5 shadow-sm">
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'form'}
              disabled={formBlocked}
              title={formBlocked ? 'Fix the YAML problems first: the form needs a valid policy' : undefined}
              onClick={() => mode === 'yaml' && toForm()}
              className={tab(mode === 'form')}
            >
              Form
            </button>
            <button type="button" role="tab" aria-selected={mode === 'yaml'} onClick={() => mode === 'form' && toYamlMode()} className={tab(mode === 'yaml')}>
              YAML
            </button>
          </div>
          <span className="text-[12px] text-slate-500" data-testid="policy-status">
            {saved ? (
              <>
                version {saved.version} · saved <RelativeTime date={saved.updatedAt} />
              </>
            ) : (
              'new policy, not saved yet'
            )}
            {dirty && canEdit && (
              <Badge tone="amber" className="ml-2">
                unsaved changes
              </Badge>
            )}
            {issues.length > 0 && (
              <Badge tone="red" className="ml-2">
                {issues.length} problem{issues.length === 1 ? '' : 's'}
              </Badge>
            )}
          </span>
          {canEdit && (
            <div className="ml-auto flex items-center gap-2">
              {dirty && saved && (
                <button
                  type="button"
                  className={SECONDARY}
                  onClick={() => {
                    setDraft(start as unknown as Draft);
                    setYamlText(toYaml(start));
                    onSaved(null);
                  }}
                >
                  Discard
                </button>
              )}
              <button
                type="button"
                className={PRIMARY}
                title="Saves the next version; agents get it at once"
                disabled={save.isPending || current === undefined || (!dirty && Boolean(saved))}
                onClick={() => save.mutate({ ...(saved ? { id: saved.id, expectedVersion: saved.version } : {}), document: current })}
              >
                {save.isPending ? 'Saving…' : saved ? 'Save' : 'Create policy'}
              </button>
            </div>
          )}
        </div>

        {!canEdit && (
          <p className="rounded-md border border-slate-200 bg-white px-3 py-2 text-[13px] text-slate-600">
            Only admins change policies. You can read it and test statements against it.
          </p>
        )}
        {notice && !dirty && (
          <SuccessNote testId="policy-saved">
            {notice.created ? 'Created' : 'Saved'} version {notice.policy.version}; agents have it now and use it from their next statement.
            {notice.attached.length > 0 && <> Attached to {notice.attached.join(', ')}.</>}
          </SuccessNote>
        )}
        {save.error && <ErrorNote title="Not saved" message={save.error.message} />}

        {mode === 'form' ? (
          <>
            <nav aria-label="Sections" className="flex flex-wrap gap-1.5">
              {SECTIONS.map((s) => (
                <a
                  key={s.id}
                  href={`#${s.id}`}
                  className={
                    'inline-flex h-7 items-center gap-1.5 rounded-full border border-slate-200 bg-white ' +
                    'px-3 text-[12px] text-slate-600 hover:border-slate-300 hover:text-slate-900'
                  }
                >
                  {s.label}
                  {bySection.get(s.id) ? (
                    <span className="rounded-full bg-red-100 px-1.5 text-[10.5px] font-semibold text-red-700">{bySection.get(s.id)}</span>
                  ) : null}
                </a>
              ))}
            </nav>
            <fieldset disabled={!canEdit} className="min-w-0 space-y-4">
              <GeneralSection {...props} connectionNames={connectionNames} tagNames={tagNames} attached={saved?.connections.map((c) => c.name) ?? []} />
              <GuardrailsSection {...props} />
              <MaskingSection {...props} />
              <AccessSection {...props} />
              <ReviewSection {...props} />
              <LimitsSection {...props} />
              <SshSection {...props} />
              <ClaudeSection {...props} />
              <HttpSection {...props} />
              <KubernetesSection {...props} />
            </fieldset>
          </>
        ) : (
          <div className="space-y-2">
            <p className="text-[12.5px] text-slate-500">
              The same document as <code className="font-mono">hoop policy get</code> prints and <code className="font-mono">hoop policy apply -f</code> reads.
              Problems are shown by line and path as you type; the version is set when you save.
            </p>
            <YamlEditor
              text={yamlText}
              onChange={(t) => {
                onSaved(null);
                setYamlText(t);
              }}
              issues={issues}
              syntax={yaml?.syntax ?? null}
              readOnly={!canEdit}
            />
          </div>
        )}

        {canEdit && saved && (
          <div className="flex flex-wrap items-center gap-2 border-t border-slate-200 pt-4 text-[13px]" data-testid="policy-delete">
            {confirmDelete ? (
              <span className="inline-flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50/60 py-1 pl-3 pr-1 text-red-900">
                Delete “{saved.name}”?{' '}
                {saved.connections.length > 0
                  ? `${saved.connections.map((c) => c.name).join(', ')} fall${saved.connections.length === 1 ? 's' : ''} back to the built-in defaults.`
                  : ''}
                <button type="button" className={DANGER} disabled={remove.isPending} onClick={() => remove.mutate({ id: saved.id })}>
                  {remove.isPending ? 'Deleting…' : 'Delete policy'}
                </button>
                <button type="button" className={SECONDARY} onClick={() => setConfirmDelete(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" className={SECONDARY} onClick={() => setConfirmDelete(true)}>
                Delete policy…
              </button>
            )}
            {remove.error && (
              <span role="alert" className="text-red-700">
                {remove.error.message}
              </span>
            )}
          </div>
        )}
      </div>
      <PolicyAside document={current} testBlocked={testBlocked} dirty={dirty} saved={saved} canEdit={canEdit} />
    </div>
  );
}

const tab = (on: boolean) =>
  cx(
    'h-full rounded px-3 text-[12px] font-medium disabled:cursor-not-allowed disabled:opacity-40',
    on ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
  );
