import { Command } from '~/components/ui/copy-button';
import { TerminalIcon } from '~/components/ui/icons';

/** How to reach these connections from a terminal, with this installation's gateway address. */
export function CliSetup({ gatewayUrl }: { gatewayUrl: string }) {
  return (
    <aside className="mt-6 rounded-lg border border-slate-200 bg-white px-4 py-3" aria-label="Connect from a terminal">
      <div className="flex items-center gap-2 text-[13px] font-medium text-slate-900">
        <TerminalIcon className="text-slate-500" />
        Connect from a terminal
      </div>
      <ol className="mt-2 space-y-1.5 text-[13px] text-slate-600">
        <li className="flex flex-wrap items-center gap-2">
          <span className="w-4 text-slate-400">1.</span> Log the CLI in to this gateway with your API token:
          <Command text={`npx hoop login --gateway ${gatewayUrl} --token TOKEN`} />
        </li>
        <li className="flex flex-wrap items-center gap-2">
          <span className="w-4 text-slate-400">2.</span> Open a local port for a connection, then point psql, DBeaver or an ORM at it:
          <Command text="npx hoop connect NAME" />
        </li>
      </ol>
    </aside>
  );
}
