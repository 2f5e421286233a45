import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="flex min-h-full items-center justify-center px-4">
      <div className="text-center">
        <p className="font-mono text-[12px] text-slate-400">404</p>
        <h1 className="mt-1 text-base font-semibold text-slate-900">This page does not exist</h1>
        <p className="mt-1 text-[13px] text-slate-500">Check the address, or go back to your connections.</p>
        <Link href="/connections" className="mt-4 inline-block text-[13px] font-medium text-slate-900 underline underline-offset-4">
          Open connections
        </Link>
      </div>
    </main>
  );
}
