'use client';

import { cx } from '~/components/ui/cx';
import { Field, INPUT } from '~/features/integrations/form-bits';
import type { FieldErrors } from './connection-fields';

/** An HTTP API reached through hoop (httpTargetConfigFrom in @hoop/protocol reads what this saves). */

export type HttpAuth = 'bearer' | 'header' | 'basic' | 'aws-sigv4' | 'none';

export interface HttpFields {
  baseUrl: string;
  authType: HttpAuth;
  authHeader: string;
  authUser: string;
  caCert: string;
  awsRegion: string;
  awsService: string;
  awsProfile: string;
}

const AUTH: { value: HttpAuth; label: string }[] = [
  { value: 'bearer', label: 'Bearer token (Authorization: Bearer …)' },
  { value: 'header', label: 'A header of its own (X-Api-Key: …)' },
  { value: 'basic', label: 'Basic auth (user name here, password as the credential)' },
  { value: 'aws-sigv4', label: "AWS Signature V4 (signed with the agent's AWS credentials)" },
  { value: 'none', label: 'None: the API asks for no credential' },
];

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The form's fields from a stored config (a new connection, or another type's, starts empty). */
export function httpFieldsFrom(type: string, config: Record<string, unknown>): HttpFields {
  const c = type === 'http' ? config : {};
  const auth = AUTH.some((a) => a.value === c.authType) ? (c.authType as HttpAuth) : 'bearer';
  return {
    baseUrl: text(c.baseUrl),
    authType: auth,
    authHeader: text(c.authHeader),
    authUser: text(c.authUser),
    caCert: text(c.caCert),
    awsRegion: text(c.awsRegion),
    awsService: text(c.awsService),
    awsProfile: text(c.awsProfile),
  };
}

/** What the API takes as an http connection's `config`. */
export function httpConfigOf(f: HttpFields): Record<string, unknown> {
  return {
    baseUrl: f.baseUrl,
    authType: f.authType,
    ...(f.authType === 'header' ? { authHeader: f.authHeader } : {}),
    ...(f.authType === 'basic' ? { authUser: f.authUser } : {}),
    ...(f.authType === 'aws-sigv4' ? { awsRegion: f.awsRegion, awsService: f.awsService, ...(f.awsProfile.trim() ? { awsProfile: f.awsProfile } : {}) } : {}),
    ...(f.caCert.trim() ? { caCert: f.caCert } : {}),
  };
}

export function HttpTarget({ f, set, disabled, errors = {} }: { f: HttpFields; set: (f: HttpFields) => void; disabled: boolean; errors?: FieldErrors }) {
  return (
    <div className="space-y-3">
      <Field
        label="Base URL"
        htmlFor="http-base-url"
        error={errors.baseUrl}
        hint="Requests go here with their path: https://billing.internal/api + /v1/invoices."
      >
        <input
          id="http-base-url"
          aria-invalid={Boolean(errors.baseUrl)}
          value={f.baseUrl}
          onChange={(e) => set({ ...f, baseUrl: e.target.value })}
          placeholder="https://billing.internal/api"
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          className={cx(INPUT, 'font-mono')}
        />
      </Field>
      <Field label="How the agent sends the credential" htmlFor="http-auth" error={errors.authType}>
        <select id="http-auth" value={f.authType} onChange={(e) => set({ ...f, authType: e.target.value as HttpAuth })} disabled={disabled} className={INPUT}>
          {AUTH.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </Field>
      {f.authType === 'header' && (
        <Field label="Header" htmlFor="http-auth-header" error={errors.authHeader}>
          <input
            id="http-auth-header"
            aria-invalid={Boolean(errors.authHeader)}
            value={f.authHeader}
            onChange={(e) => set({ ...f, authHeader: e.target.value })}
            placeholder="X-Api-Key"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
      )}
      {f.authType === 'basic' && (
        <Field label="User name" htmlFor="http-auth-user" error={errors.authUser}>
          <input
            id="http-auth-user"
            aria-invalid={Boolean(errors.authUser)}
            value={f.authUser}
            onChange={(e) => set({ ...f, authUser: e.target.value })}
            disabled={disabled}
            autoComplete="off"
            className={INPUT}
          />
        </Field>
      )}
      {f.authType === 'aws-sigv4' && <AwsFields f={f} set={set} disabled={disabled} errors={errors} />}
      <Field
        label="CA certificate (optional)"
        htmlFor="http-ca"
        error={errors.caCert}
        hint="For an https API whose certificate a private CA signed (PEM). Empty: the system's CAs."
      >
        <textarea
          id="http-ca"
          aria-invalid={Boolean(errors.caCert)}
          value={f.caCert}
          onChange={(e) => set({ ...f, caCert: e.target.value })}
          placeholder="-----BEGIN CERTIFICATE-----"
          disabled={disabled}
          rows={3}
          spellCheck={false}
          className={cx(INPUT, 'font-mono text-[12px]')}
        />
      </Field>
      <p className="text-[12px] text-slate-500">
        People run <code className="font-mono">hoop connect NAME</code> (a local port for curl, SDKs, scripts) or{' '}
        <code className="font-mono">hoop exec NAME -i &quot;GET /v1/…&quot;</code>. The credential never leaves the agent; requests are judged by the
        policy&apos;s http rules, answers masked, each request recorded.
      </p>
    </div>
  );
}

/** Signature V4: the scope each request is signed for, and where the agent finds its AWS credentials. */
function AwsFields({ f, set, disabled, errors }: { f: HttpFields; set: (f: HttpFields) => void; disabled: boolean; errors: FieldErrors }) {
  const input = (id: string, key: 'awsRegion' | 'awsService' | 'awsProfile', placeholder: string) => (
    <input
      id={id}
      aria-invalid={Boolean(errors[key])}
      value={f[key]}
      onChange={(e) => set({ ...f, [key]: e.target.value })}
      placeholder={placeholder}
      disabled={disabled}
      autoComplete="off"
      spellCheck={false}
      className={cx(INPUT, 'font-mono')}
    />
  );
  return (
    <div className="space-y-3" data-testid="aws-sigv4-fields">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="AWS region" htmlFor="http-aws-region" error={errors.awsRegion} hint="The region requests are signed for.">
          {input('http-aws-region', 'awsRegion', 'us-east-1')}
        </Field>
        <Field label="AWS service" htmlFor="http-aws-service" error={errors.awsService} hint="The signing name: sts, s3, execute-api, dynamodb…">
          {input('http-aws-service', 'awsService', 'sts')}
        </Field>
      </div>
      <Field
        label="Profile (optional)"
        htmlFor="http-aws-profile"
        error={errors.awsProfile}
        hint="A profile of the agent's AWS credentials file. Empty: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of the agent, else its AWS_PROFILE."
      >
        {input('http-aws-profile', 'awsProfile', 'default')}
      </Field>
      <p className="text-[12px] text-slate-500">
        The agent signs each request as it sends it; the keys never leave the agent, and the connection needs no credential of its own. A client&apos;s own
        Authorization and X-Amz-* signing headers are dropped.
      </p>
    </div>
  );
}
