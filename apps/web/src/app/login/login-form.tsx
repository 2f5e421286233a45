'use client';

import { signIn } from 'next-auth/react';
import { type FormEvent, useState } from 'react';
import { useHydrated } from '~/components/ui/hydration';
import { AlertIcon } from '~/components/ui/icons';

const INPUT =
  'mt-1 block h-9 w-full rounded-md border border-slate-300 bg-white px-3 text-[13px] text-slate-900 shadow-sm placeholder:text-slate-400 ' +
  'focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10';

/** What an `error` the login page was sent back with means (next-auth's codes, and single sign-on refusals). */
const ERRORS: Record<string, string> = {
  SessionRequired: 'Your session has ended. Sign in again to continue.',
  sso_disabled: 'Your account is disabled. Ask an admin of your organisation to enable it.',
  sso_no_org: 'Single sign-on is not set up for an organisation here. Ask an admin to set HOOP_OIDC_ORG.',
  sso_no_email: 'Your identity provider did not send an e-mail address. Ask an admin to request the email scope.',
  sso_unverified: 'Your identity provider says your e-mail address is not verified. Verify it there, then try again.',
  sso_no_subject: 'Your identity provider sent no user id (sub). Ask an admin to check the provider.',
  sso_service_account: 'That e-mail belongs to a service account, which cannot sign in.',
  sso_linked_elsewhere: 'This e-mail address is linked to another single sign-on identity. Ask an admin.',
};
const SSO_FAILED = 'Single sign-on did not complete. Try again; if it keeps failing, an admin can check the web app log.';

function errorText(code: string | null): string | null {
  if (!code) return null;
  return ERRORS[code] ?? (code === 'CredentialsSignin' ? null : SSO_FAILED);
}

export function LoginForm({ callbackUrl, error: code, sso }: { callbackUrl: string; error: string | null; sso: string | null }) {
  const [error, setError] = useState<string | null>(errorText(code));
  const [pending, setPending] = useState(false);
  // signing in is done by script (next-auth); before it runs, a submitted form would only reload this page
  const hydrated = useHydrated();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    try {
      const res = await signIn('credentials', { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? ''), redirect: false });
      if (!res?.ok || res.error) {
        setError('Wrong e-mail or password. Check both and try again; an admin can reset your password.');
        setPending(false);
        return;
      }
      // a full navigation, so the server renders the console with the new session cookie
      window.location.assign(callbackUrl);
    } catch {
      setError('Could not reach the server. Check your network connection and try again.');
      setPending(false);
    }
  }

  return (
    <>
      {sso && (
        <div className="mt-6">
          <button
            type="button"
            disabled={pending || !hydrated}
            data-testid="sso-sign-in"
            onClick={() => {
              setPending(true);
              void signIn('oidc', { callbackUrl });
            }}
            className={
              'h-9 w-full rounded-md border border-slate-300 bg-white text-[13px] font-medium text-slate-800 shadow-sm hover:bg-slate-50 ' +
              'disabled:cursor-wait disabled:opacity-70'
            }
          >
            Sign in with {sso}
          </button>
          <div className="mt-5 flex items-center gap-3 text-[11px] uppercase tracking-wider text-slate-400" aria-hidden>
            <span className="h-px flex-1 bg-slate-200" />
            or with a password
            <span className="h-px flex-1 bg-slate-200" />
          </div>
        </div>
      )}
      {/* POST, never GET: a form sent by the browser itself must not put the password in the address */}
      <form method="post" onSubmit={onSubmit} className={sso ? 'mt-5 space-y-4' : 'mt-6 space-y-4'}>
        <label className="block">
          <span className="text-[12px] font-medium text-slate-700">E-mail</span>
          <input name="email" type="email" autoComplete="username" required autoFocus placeholder="you@company.com" className={INPUT} />
        </label>
        <label className="block">
          <span className="text-[12px] font-medium text-slate-700">Password</span>
          <input name="password" type="password" autoComplete="current-password" required className={INPUT} />
        </label>
        {error && (
          <p
            role="alert"
            data-testid="login-error"
            className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-[13px] text-red-800"
          >
            <AlertIcon className="mt-0.5 shrink-0 text-red-600" width={14} height={14} />
            {error}
          </p>
        )}
        <noscript>
          <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-[13px] text-amber-900">
            Signing in needs JavaScript: turn it on for this site, then reload the page.
          </p>
        </noscript>
        <button
          type="submit"
          disabled={pending || !hydrated}
          className={
            'h-9 w-full rounded-md bg-slate-900 text-[13px] font-medium text-white shadow-sm hover:bg-slate-800 ' + 'disabled:cursor-wait disabled:opacity-70'
          }
        >
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </>
  );
}
