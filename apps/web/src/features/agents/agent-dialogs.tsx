'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, useState } from 'react';
import { CopyButton } from '~/components/ui/copy-button';
import { Dialog } from '~/components/ui/dialog';
import { KeyIcon } from '~/components/ui/icons';
import { DANGER, Field, fieldError, INPUT, PRIMARY, SECONDARY } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';

type AgentWithKey = inferOutput<ReturnType<typeof useTRPC>['agent']['create']>;
type Agent = inferOutput<ReturnType<typeof useTRPC>['agent']['list']>['items'][number];

/** The command that starts an agent with its key (README, "Running the parts yourself"). */
export function agentCommand(gatewayUrl: string, key: string): string {
  return `HOOP_GATEWAY_URL=${gatewayUrl} HOOP_AGENT_KEY=${key} pnpm --filter @hoop/agent start`;
}

/** A key just issued: shown this once, with the command that starts the agent with it. */
export function KeyOnceDialog({
  issued,
  rotated,
  gatewayUrl,
  onDone,
}: {
  issued: AgentWithKey | null;
  rotated: boolean;
  gatewayUrl: string;
  onDone: () => void;
}) {
  const command = issued ? agentCommand(gatewayUrl, issued.key) : '';
  return (
    <Dialog
      open={Boolean(issued)}
      onClose={onDone}
      dismissable={false}
      width="lg"
      testId="agent-key-dialog"
      title={issued ? (rotated ? `New key for ${issued.name}` : `Agent ${issued.name} is registered`) : ''}
      description={
        rotated
          ? 'The old key is refused from now on, and an agent connected with it was disconnected. Restart the agent with this one.'
          : 'Start it next to the databases and servers it will serve; it dials out to the gateway.'
      }
      footer={
        <button type="button" className={PRIMARY} onClick={onDone}>
          I have copied it
        </button>
      }
    >
      {issued && (
        <div className="space-y-4">
          <div className="rounded-lg border border-amber-300 bg-amber-50 px-3.5 py-3">
            <p className="flex items-center gap-2 text-[13px] font-medium text-amber-950">
              <KeyIcon width={15} height={15} className="text-amber-700" />
              Copy the key now: it is not shown again.
            </p>
            <p className="mt-0.5 text-[12px] text-amber-900/80">
              Only its hash is kept. If it is lost, replace the key (Rotate key) and restart the agent with the new one.
            </p>
            <div className="mt-2.5 flex items-center gap-1 rounded-md border border-amber-200 bg-white py-1 pl-2.5 pr-1">
              <code className="min-w-0 flex-1 truncate font-mono text-[13px] text-slate-900" data-testid="agent-key">
                {issued.key}
              </code>
              <CopyButton text={issued.key} label="Copy key" />
            </div>
          </div>
          <div>
            <p className="text-[12px] font-medium text-slate-700">Run it (from a checkout of hoop, on the agent host)</p>
            <div className="mt-1.5 flex items-start gap-1 rounded-md bg-slate-950 py-2 pl-3 pr-1">
              <code className="min-w-0 flex-1 font-mono text-[12px] leading-relaxed break-all text-slate-100" data-testid="agent-command">
                {command}
              </code>
              <span className="text-slate-400">
                <CopyButton text={command} label="Copy command" />
              </span>
            </div>
            <p className="mt-1.5 text-[12px] text-slate-500">
              Give the agent the credentials its connections read from its environment or files too (<code className="font-mono">env:NAME</code>,{' '}
              <code className="font-mono">file:/path</code>); stored secrets reach it from the gateway.
            </p>
          </div>
        </div>
      )}
    </Dialog>
  );
}

/** Name a new agent; on success the key dialog takes over. */
export function NewAgentDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (a: AgentWithKey) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.agent.create.mutationOptions({
      onSuccess: (a) => {
        void qc.invalidateQueries({ queryKey: trpc.agent.list.queryKey() });
        setName('');
        onCreated(a);
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name });
  };
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title="New agent"
      description="An agent runs inside your network and holds the credentials of the connections it serves."
      testId="new-agent-dialog"
    >
      <form id="new-agent-form" onSubmit={submit} noValidate className="space-y-3">
        <Field
          label="Name"
          htmlFor="agent-name"
          hint="Where it runs, so people know which one it is: eu-west-prod, office-lan."
          error={fieldError(create.error, 'name') ?? (create.error?.data?.fieldErrors ? undefined : create.error?.message)}
        >
          <input
            id="agent-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="eu-west-prod"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            disabled={create.isPending}
            aria-invalid={Boolean(create.error)}
            className={`${INPUT} font-mono`}
          />
        </Field>
      </form>
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className={SECONDARY} onClick={close} disabled={create.isPending}>
          Cancel
        </button>
        <button type="submit" form="new-agent-form" className={PRIMARY} disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create agent'}
        </button>
      </div>
    </Dialog>
  );
}

/** Replace a key: say what happens to the running agent before doing it. */
export function RotateDialog({ agent, onClose, onRotated }: { agent: Agent | null; onClose: () => void; onRotated: (a: AgentWithKey) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const rotate = useMutation(
    trpc.agent.rotateKey.mutationOptions({
      onSuccess: (a) => {
        void qc.invalidateQueries({ queryKey: trpc.agent.list.queryKey() });
        onRotated(a);
      },
    }),
  );
  const close = () => {
    rotate.reset();
    onClose();
  };
  return (
    <Dialog
      open={Boolean(agent)}
      onClose={close}
      testId="rotate-agent-dialog"
      title={agent ? `Replace the key of ${agent.name}?` : ''}
      footer={
        <>
          <button type="button" className={SECONDARY} onClick={close} disabled={rotate.isPending}>
            Cancel
          </button>
          <button type="button" className={DANGER} onClick={() => agent && rotate.mutate({ id: agent.id })} disabled={rotate.isPending}>
            {rotate.isPending ? 'Replacing…' : 'Replace key'}
          </button>
        </>
      }
    >
      <div className="space-y-2 text-[13px] text-slate-600">
        <p>A new key is issued and shown once; the current key ({agent?.keyPrefix}…) is refused from then on, so an agent starting with it cannot connect.</p>
        <p>An agent connected with it now is disconnected at once, on every gateway, and its open sessions end: restart it with the new key right away.</p>
        {rotate.error && (
          <p role="alert" className="text-red-700">
            {rotate.error.message}
          </p>
        )}
      </div>
    </Dialog>
  );
}

/** Delete an agent that serves nothing; one that still serves connections is kept, saying which. */
export function DeleteAgentDialog({ agent, onClose }: { agent: Agent | null; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const remove = useMutation(
    trpc.agent.delete.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: trpc.agent.list.queryKey() });
        onClose();
      },
    }),
  );
  const close = () => {
    remove.reset();
    onClose();
  };
  const n = agent?.connectionCount ?? 0;
  const names = agent ? agent.connections.join(', ') + (n > agent.connections.length ? ` and ${n - agent.connections.length} more` : '') : '';
  return (
    <Dialog
      open={Boolean(agent)}
      onClose={close}
      testId="delete-agent-dialog"
      title={agent ? (n > 0 ? `${agent.name} cannot be deleted yet` : `Delete ${agent.name}?`) : ''}
      footer={
        n > 0 ? (
          <button type="button" className={SECONDARY} onClick={close}>
            Close
          </button>
        ) : (
          <>
            <button type="button" className={SECONDARY} onClick={close} disabled={remove.isPending}>
              Cancel
            </button>
            <button type="button" className={DANGER} onClick={() => agent && remove.mutate({ id: agent.id })} disabled={remove.isPending}>
              {remove.isPending ? 'Deleting…' : 'Delete agent'}
            </button>
          </>
        )
      }
    >
      <div className="space-y-2 text-[13px] text-slate-600">
        {n > 0 ? (
          <p data-testid="delete-agent-refusal" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-amber-900">
            “{agent!.name}” still serves {n} connection{n === 1 ? '' : 's'} ({names}): assign {n === 1 ? 'it' : 'them'} to another agent, or to none, before
            deleting it.
          </p>
        ) : (
          <p>Its key is refused from then on. Recorded sessions keep their history.</p>
        )}
        {remove.error && (
          <p role="alert" data-testid="delete-agent-error" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800">
            {remove.error.message}
          </p>
        )}
      </div>
    </Dialog>
  );
}
