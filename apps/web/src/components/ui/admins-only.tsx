import { EmptyState } from './empty-state';
import { LockIcon } from './icons';

/** What a page of admin actions shows everyone else (the API refuses them too). */
export function AdminsOnly({ what, role, orgName }: { what: string; role: string | undefined; orgName: string | undefined }) {
  return (
    <EmptyState icon={<LockIcon width={18} height={18} />} title="Admins only">
      Your role ({role ?? 'none'}) cannot {what}. Ask an admin of {orgName ?? 'your organisation'} if something should change.
    </EmptyState>
  );
}
