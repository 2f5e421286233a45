import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

/**
 * A Kubernetes cluster reached through hoop (kubernetesConfigFrom in @hoop/protocol reads what this saves): its API
 * server's https URL and the CA its certificate chains to. The service account's token is the connection's
 * credential; each request is made as the hoop user through impersonation.
 */
export const KubernetesConfig = z.object({
  server: z.preprocess(
    blankToUndefined,
    z
      .string({ error: 'Enter the API server URL, such as https://10.0.0.1:6443 (kubectl config view --minify shows it).' })
      .max(500, { error: 'The API server URL is at most 500 characters.' })
      .regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
        error: 'The API server URL is an https address without a query, such as https://ABC123.gr7.eu-west-1.eks.amazonaws.com.',
      }),
  ),
  /** the cluster's CA (PEM); empty: the system's CAs */
  caCert: z.preprocess(
    blankToUndefined,
    z
      .string()
      .max(20_000, { error: 'The CA certificate is at most 20,000 characters.' })
      .includes('-----BEGIN CERTIFICATE-----', { error: "Paste the cluster's CA certificate in PEM form (-----BEGIN CERTIFICATE-----…)." })
      .optional(),
  ),
  connectTimeoutMs: z.coerce.number().int().min(100).max(600_000).optional(),
});
