import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeShell, evaluateKubernetes, initShellGuard, type KubectlRequest, kubectlRequests, type ManifestObject, type Policy } from '@hoop/pipeline';
import { EXIT } from '@hoop/protocol';
import YAML from 'yaml';
import { usage } from '../errors';
import { formatTable } from '../format';
import { parseExecRequest } from '../http-exec';

const STRICT = { allow: 0, review: 1, deny: 2 } as const;

/**
 * `hoop policy test -c prod-k8s "kubectl delete ns payments"` (or `"DELETE /api/v1/namespaces/payments"`): the
 * requests the command makes, each judged as the agent judges it — the decision, the rule, and the request as read.
 * Files named by `-f` are read here for their objects (apply, create, delete -f).
 */
export async function kubePolicyTest(label: string, policy: Policy, readOnly: boolean, text: string, cwd = process.cwd()): Promise<number> {
  const requests = await requestsOf(text.trim(), cwd);
  const judged = requests.map((r) => ({ r, d: evaluateKubernetes(r.method, r.path, policy, { readOnly }) }));
  process.stdout.write(`${label} (Kubernetes)\n`);
  process.stdout.write(
    formatTable(
      ['decision', 'rule', 'verb', 'resource', 'namespace', 'name', 'request'],
      judged.map(({ r, d }) => [
        d.action.toUpperCase(),
        d.ruleId ?? '-',
        d.request?.verb ?? '-',
        d.request ? `${d.request.resource}${d.request.subresource ? `/${d.request.subresource}` : ''}` || '-' : '-',
        d.request?.namespace || '-',
        d.request?.name || '-',
        `${r.method} ${r.path}`.slice(0, 80),
      ]),
    ),
  );
  for (const { d } of judged)
    if (d.action !== 'allow') process.stdout.write(`\n${d.action === 'deny' ? 'blocked' : 'needs approval'} by "${d.ruleId}": ${d.reason}\n`);
  const worst = judged.reduce<'allow' | 'deny' | 'review'>((w, { d }) => (STRICT[d.action] > STRICT[w] ? d.action : w), 'allow');
  process.stdout.write(`\nresult: ${worst}\n`);
  return worst === 'allow' ? EXIT.ok : EXIT.blocked;
}

async function requestsOf(text: string, cwd: string): Promise<KubectlRequest[]> {
  if (/^[A-Za-z]{1,16}\s+\//.test(text)) {
    const req = parseExecRequest(text);
    return [{ method: req.method, path: req.path }];
  }
  await initShellGuard();
  const a = analyzeShell(text);
  if (!a.ok) throw usage(`cannot read the command: ${a.error}`);
  const kubectl = a.commands.filter((c) => c.name === 'kubectl');
  if (kubectl.length === 0) throw usage('give a kubectl command (kubectl delete ns payments) or a request (DELETE /api/v1/namespaces/payments)');
  const out: KubectlRequest[] = [];
  for (const c of kubectl) {
    const manifests = await manifestsOf(c.args, cwd);
    const r = kubectlRequests(c.args, manifests);
    if (typeof r === 'string') throw usage(r);
    out.push(...r);
  }
  return out;
}

/** The objects of the files a kubectl line names with -f / --filename (YAML, several documents). */
async function manifestsOf(args: string[], cwd: string): Promise<ManifestObject[]> {
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '-f' || a === '--filename') && args[0] !== 'logs' && args[i + 1]) files.push(args[++i]!);
    else if (a.startsWith('--filename=')) files.push(a.slice(11));
  }
  const out: ManifestObject[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(path.resolve(cwd, f), 'utf8');
    } catch (err) {
      throw usage(`cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const doc of YAML.parseAllDocuments(text)) {
      const o = doc.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
      if (!o || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') continue;
      out.push({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        ...(typeof o.metadata.namespace === 'string' ? { namespace: o.metadata.namespace } : {}),
      });
    }
  }
  return out;
}
