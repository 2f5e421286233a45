'use client';

import { signIn } from 'next-auth/react';
import { type FormEvent, useState } from 'react';
import { AlertIcon } from '~/components/ui/icons';

const INPUT =
  'mt-1 block h-9 w-full rounded-md border border-slate-300 bg-white px-3 text-[13px] text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10';

export function LoginForm({ callbackUrl, expired }: { callbackUrl: string; expired: boolean }) {
  const [error, setError] = useState<string | null>(expired ? 'Your session has ended. Sign in again to continue.' : null);
  const [pending, setPending] = useState(false);

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
    <form onSubmit={onSubmit} className="mt-6 space-y-4">
      <label className="block">
        <span className="text-[12px] font-medium text-slate-700">E-mail</span>
        <input name="email" type="email" autoComplete="username" required autoFocus placeholder="you@company.com" className={INPUT} />
      </label>
      <label className="block">
        <span className="text-[12px] font-medium text-slate-700">Password</span>
        <input name="password" type="password" autoComplete="current-password" required className={INPUT} />
      </label>
      {error && (
        <p role="alert" data-testid="login-error" className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-[13px] text-red-800">
          <AlertIcon className="mt-0.5 shrink-0 text-red-600" width={14} height={14} />
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="h-9 w-full rounded-md bg-slate-900 text-[13px] font-medium text-white shadow-sm hover:bg-slate-800 disabled:cursor-wait disabled:opacity-70"
      >
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
