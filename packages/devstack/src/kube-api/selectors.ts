/**
 * Label and field selectors as the API server reads them: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`,
 * `a notin (x)`, joined by commas (all must hold). Field selectors: `metadata.name` and `metadata.namespace` with
 * `=`, `==` and `!=`. Anything else is an error the caller answers with 400.
 */

type Test = (labels: Record<string, string>) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

/** Splits at commas outside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  out.push(selector.slice(start));
  return out.map((t) => t.trim()).filter(Boolean);
}

function key(k: string): string {
  const t = k.trim();
  if (!KEY.test(t)) throw new Error(`unable to parse requirement: invalid label key "${t}"`);
  return t;
}

export function labelSelector(selector: string | null): Test {
  if (!selector) return () => true;
  const tests: Test[] = terms(selector).map((term) => {
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const k = key(set[1]!);
      const values = set[3]!.split(',').map((v) => v.trim());
      return set[2] === 'in' ? (l) => k in l && values.includes(l[k]!) : (l) => !(k in l) || !values.includes(l[k]!);
    }
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) {
      const k = key(ne[1]!);
      return (l) => l[k] !== ne[2]!.trim();
    }
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (eq) {
      const k = key(eq[1]!);
      return (l) => l[k] === eq[2]!.trim();
    }
    if (term.startsWith('!')) {
      const k = key(term.slice(1));
      return (l) => !(k in l);
    }
    const k = key(term);
    return (l) => k in l;
  });
  return (labels) => tests.every((t) => t(labels));
}

export function fieldSelector(selector: string | null): (o: { name: string; namespace?: string }) => boolean {
  if (!selector) return () => true;
  const tests = terms(selector).map((term) => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new Error(`field label not supported: ${term.split(/[!=]/)[0]}`);
    const field = m[1] === 'metadata.name' ? 'name' : 'namespace';
    const value = m[3]!.trim();
    return (o: { name: string; namespace?: string }) => ((o[field] ?? '') === value) === (m[2] !== '!=');
  });
  return (o) => tests.every((t) => t(o));
}
