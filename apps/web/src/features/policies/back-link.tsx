import Link from 'next/link';
import { ArrowLeftIcon } from '~/components/ui/icons';

export function BackToPolicies() {
  return (
    <Link href="/policies" className="mb-4 inline-flex items-center gap-1.5 text-[13px] text-slate-500 hover:text-slate-900">
      <ArrowLeftIcon width={14} height={14} />
      Policies
    </Link>
  );
}
