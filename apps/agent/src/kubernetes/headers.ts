import type { HttpTargetConfig } from '@hoop/protocol';
import { forwardedHeaders, type Target } from '../http/upstream';

/**
 * What the API server is sent of a client's headers: the http connection's rules (hop-by-hop headers and the client's
 * own credentials dropped, the service account's token added as the bearer credential), then every `Impersonate-*`
 * header the client sent dropped, whatever its case or suffix (`Impersonate-User`, `-Group`, `-Uid`, `-Extra-*`), and
 * `Accept` narrowed to JSON: a protobuf, CBOR or YAML answer could not be read to redact Secrets.
 */
export function kubeForwardedHeaders(client: Record<string, string>, config: HttpTargetConfig, token: string): Record<string, string> {
  const out = forwardedHeaders(client, config, token);
  for (const k of Object.keys(out)) if (k.toLowerCase().startsWith('impersonate-')) delete out[k];
  out.accept = jsonAccept(client.accept);
  return out;
}

/** The JSON media types of an Accept header, kept with their parameters (`as=Table;g=meta.k8s.io;v=v1`); others dropped. */
export function jsonAccept(accept: string | undefined): string {
  const kept = (accept ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.split(';', 1)[0]!.trim().toLowerCase() === 'application/json');
  return kept.length ? kept.join(', ') : 'application/json';
}

/**
 * The API server, every request made as the hoop user: `Impersonate-User` their e-mail, one `Impersonate-Group` per
 * group they hold in hoop (and the API server adds `system:authenticated`). Impersonation headers already in a
 * request are replaced, never added to.
 */
export function impersonating(target: Target, user: { email: string; groups: string[] }): Target {
  return {
    origin: target.origin,
    call(method, path, headers, on) {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(headers)) if (!k.toLowerCase().startsWith('impersonate-')) out[k] = v;
      out['impersonate-user'] = user.email;
      if (user.groups.length) out['impersonate-group'] = [...user.groups];
      return target.call(method, path, out, on);
    },
  };
}
