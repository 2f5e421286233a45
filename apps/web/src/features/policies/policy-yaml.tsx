'use client';

import { type ReactNode, useMemo, useRef } from 'react';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { cx } from '~/components/ui/cx';
import type { Path, PolicyIssue } from './policy-draft';

/** The policy as YAML, as `hoop policy get` prints it and `hoop policy apply -f` reads it. */
export function toYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0 });
}

export interface YamlParse {
  value: unknown;
  syntax: { message: string; line: number } | null;
}

export function parseYaml(text: string): YamlParse {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const err = doc.errors[0];
  if (err)
    return { value: undefined, syntax: { message: err.message.split('\n')[0] ?? 'invalid YAML', line: err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line } };
  return { value: doc.toJS() as unknown, syntax: null };
}

/** The line a path points at in the text: the key it names, or the nearest part of it that exists. */
function lineOf(text: string, path: Path): number {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  let node: unknown = doc.contents;
  let line = 1;
  for (const k of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value === k : p.key === k));
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) line = lc.linePos(pair.key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number') {
      const item = node.items[k] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      if (item.range) line = lc.linePos(item.range[0]).line;
      node = item;
    } else break;
  }
  return line;
}

/** A YAML editor with line numbers; problems (syntax, or the schema's by path) are listed with their line. */
export function YamlEditor({
  text,
  onChange,
  issues,
  syntax,
  readOnly,
}: {
  text: string;
  onChange: (t: string) => void;
  issues: PolicyIssue[];
  syntax: YamlParse['syntax'];
  readOnly: boolean;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lineCount = text.split('\n').length;
  const located = useMemo(() => (syntax ? [] : issues.map((i) => ({ ...i, line: lineOf(text, i.path) }))), [text, issues, syntax]);
  const bad = new Set<number>(syntax ? [syntax.line] : located.map((i) => i.line));

  const goTo = (line: number) => {
    const t = area.current;
    if (!t) return;
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    t.focus();
    t.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    t.scrollTop = Math.max(0, (line - 4) * 20);
  };

  return (
    <div className="space-y-3">
      <div
        className={
          'flex h-[36rem] overflow-hidden rounded-lg border border-slate-300 bg-white shadow-sm ' +
          'focus-within:border-slate-500 focus-within:ring-2 focus-within:ring-slate-900/10'
        }
      >
        <div
          ref={gutter}
          aria-hidden
          className={
            'w-12 shrink-0 overflow-hidden border-r border-slate-200 bg-slate-50 py-3 ' +
            'text-right font-mono text-[12px] leading-5 text-slate-400 select-none'
          }
        >
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} className={cx('pr-2', bad.has(i + 1) && 'bg-red-100 font-semibold text-red-700')}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          aria-label="Policy YAML"
          data-testid="policy-yaml"
          value={text}
          readOnly={readOnly}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
          spellCheck={false}
          wrap="off"
          className="min-w-0 flex-1 resize-none border-0 bg-transparent px-3 py-3 font-mono text-[12px] leading-5 text-slate-900 outline-none"
        />
      </div>
      {syntax ? (
        <Problems>
          <ProblemLine line={syntax.line} at="YAML" message={syntax.message} onClick={() => goTo(syntax.line)} />
        </Problems>
      ) : located.length > 0 ? (
        <Problems>
          {located.map((i) => (
            <ProblemLine key={`${i.at}:${i.message}`} line={i.line} at={i.at} message={i.message} onClick={() => goTo(i.line)} />
          ))}
        </Problems>
      ) : null}
    </div>
  );
}

function Problems({ children }: { children: ReactNode }) {
  return (
    <ul
      role="alert"
      data-testid="yaml-problems"
      className="divide-y divide-red-100 overflow-hidden rounded-md border border-red-200 bg-red-50 text-[12.5px] text-red-900"
    >
      {children}
    </ul>
  );
}

function ProblemLine({ line, at, message, onClick }: { line: number; at: string; message: string; onClick: () => void }) {
  return (
    <li data-testid="yaml-problem" data-path={at}>
      <button type="button" onClick={onClick} className="flex w-full items-baseline gap-3 px-3 py-1.5 text-left hover:bg-red-100/60">
        <span className="w-14 shrink-0 font-mono text-[11px] text-red-700">line {line}</span>
        <code className="shrink-0 font-mono text-[12px] font-semibold">{at}</code>
        <span>{message}</span>
      </button>
    </li>
  );
}
