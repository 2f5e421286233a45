'use client';

import type { FieldErrors } from './connection-fields';
import { PemField, TextField } from './target-inputs';

/** A Kubernetes cluster reached through hoop (kubernetesConfigFrom in @hoop/protocol reads what this saves). */

export interface KubernetesFields {
  server: string;
  caCert: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The form's fields from a stored config (a new connection, or another type's, starts empty). */
export function kubernetesFieldsFrom(type: string, config: Record<string, unknown>): KubernetesFields {
  const c = type === 'kubernetes' ? config : {};
  return { server: text(c.server), caCert: text(c.caCert) };
}

/** What the API takes as a kubernetes connection's `config`. */
export function kubernetesConfigOf(f: KubernetesFields): Record<string, unknown> {
  return { server: f.server, ...(f.caCert.trim() ? { caCert: f.caCert } : {}) };
}

export function KubernetesTarget({
  f,
  set,
  disabled,
  errors = {},
}: {
  f: KubernetesFields;
  set: (f: KubernetesFields) => void;
  disabled: boolean;
  errors?: FieldErrors;
}) {
  return (
    <div className="space-y-3">
      <TextField
        id="k8s-server"
        label="API server"
        hint={
          <>
            The cluster&apos;s https endpoint, as <code className="font-mono">kubectl config view --minify</code> shows it (EKS, GKE and AKS print it in their
            consoles).
          </>
        }
        error={errors.server}
        value={f.server}
        onChange={(server) => set({ ...f, server })}
        placeholder="https://10.0.0.1:6443"
        disabled={disabled}
      />
      <PemField
        id="k8s-ca"
        label="Cluster CA certificate"
        hint="The API server's certificate is checked against it (certificate-authority-data, base64-decoded). Empty: the system's CAs."
        error={errors.caCert}
        value={f.caCert}
        onChange={(caCert) => set({ ...f, caCert })}
        placeholder="-----BEGIN CERTIFICATE-----"
        disabled={disabled}
      />
      <p className="text-[12px] text-slate-500">
        The credential below is a service account token allowed to impersonate users and groups: each request is made as the hoop user, so the cluster&apos;s
        RBAC applies to each person. People run <code className="font-mono">hoop connect NAME</code>, which writes a kubeconfig context for kubectl; requests
        are judged by the policy&apos;s kubernetes rules, Secret values redacted, each request recorded.
      </p>
    </div>
  );
}
