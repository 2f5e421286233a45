import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { HoopMark } from '~/components/ui/icons';
import { env } from '~/env';
import { param, type SearchParams } from '~/features/list-params';
import { ssoName } from '~/server/auth/oidc';
import { currentUser } from '~/server/auth/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

/** Only paths on this site, never another origin (`//host`) or the login page itself. */
function safeCallback(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.startsWith('/login')) return '/connections';
  return value;
}

const POINTS = [
  ['Guardrails', 'Destructive statements are blocked or held for a human before they reach production.'],
  ['Masking', 'Personal data is masked on the agent; raw values never leave your network.'],
  ['Recording', 'Every session is recorded in a tamper-evident audit trail.'],
] as const;

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const callbackUrl = safeCallback(param(sp, 'callbackUrl'));
  if (await currentUser()) redirect(callbackUrl);
  return (
    <main className="grid min-h-full lg:grid-cols-[minmax(0,5fr)_minmax(0,6fr)]">
      <section className="hidden flex-col justify-between bg-slate-950 px-12 py-10 text-slate-300 lg:flex">
        <div className="flex items-center gap-2.5">
          <HoopMark className="text-emerald-400" />
          <span className="text-[15px] font-semibold tracking-tight text-white">hoop</span>
        </div>
        <div className="max-w-md">
          <h2 className="text-xl font-semibold tracking-tight text-white">Guarded access to production, for people and AI agents.</h2>
          <ul className="mt-8 space-y-5">
            {POINTS.map(([title, text]) => (
              <li key={title} className="border-l border-emerald-400/40 pl-4">
                <div className="text-[13px] font-medium text-slate-100">{title}</div>
                <div className="mt-0.5 text-[13px] text-slate-400">{text}</div>
              </li>
            ))}
          </ul>
        </div>
        <p className="text-[11px] text-slate-600">Sessions are signed and expire after 12 hours.</p>
      </section>
      <section className="flex items-center justify-center px-6 py-12">
        <div className="w-full max-w-[340px]">
          <div className="mb-6 flex items-center gap-2 lg:hidden">
            <HoopMark className="text-emerald-500" />
            <span className="text-[15px] font-semibold tracking-tight">hoop</span>
          </div>
          <h1 className="text-lg font-semibold tracking-tight text-slate-900">Sign in to the control plane</h1>
          <p className="mt-1 text-[13px] text-slate-500">Use the account an admin of your organisation gave you.</p>
          <LoginForm callbackUrl={callbackUrl} error={param(sp, 'error') ?? null} sso={ssoName(env())} />
        </div>
      </section>
    </main>
  );
}
