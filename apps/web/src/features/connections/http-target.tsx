'use client';

import type { FieldErrors } from './connection-fields';
import { PemField, SelectField, TextField } from './target-inputs';

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
      <TextField
        id="http-base-url"
        label="Base URL"
        hint="Requests go here with their path: https://billing.internal/api + /v1/invoices."
        error={errors.baseUrl}
        value={f.baseUrl}
        onChange={(baseUrl) => set({ ...f, baseUrl })}
        placeholder="https://billing.internal/api"
        disabled={disabled}
      />
      <SelectField
        id="http-auth"
        label="How the agent sends the credential"
        error={errors.authType}
        value={f.authType}
        options={AUTH}
        onChange={(v) => set({ ...f, authType: v as HttpAuth })}
        disabled={disabled}
      />
      {f.authType === 'header' && (
        <TextField
          id="http-auth-header"
          label="Header"
          error={errors.authHeader}
          value={f.authHeader}
          onChange={(authHeader) => set({ ...f, authHeader })}
          placeholder="X-Api-Key"
          disabled={disabled}
        />
      )}
      {f.authType === 'basic' && (
        <TextField
          id="http-auth-user"
          label="User name"
          error={errors.authUser}
          value={f.authUser}
          onChange={(authUser) => set({ ...f, authUser })}
          placeholder=""
          disabled={disabled}
          className=""
        />
      )}
      {f.authType === 'aws-sigv4' && <AwsFields f={f} set={set} disabled={disabled} errors={errors} />}
      <PemField
        id="http-ca"
        label="CA certificate (optional)"
        hint="For an https API whose certificate a private CA signed (PEM). Empty: the system's CAs."
        error={errors.caCert}
        value={f.caCert}
        onChange={(caCert) => set({ ...f, caCert })}
        placeholder="-----BEGIN CERTIFICATE-----"
        disabled={disabled}
      />
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
  const input = (id: string, key: 'awsRegion' | 'awsService' | 'awsProfile', label: string, placeholder: string, hint: string) => (
    <TextField
      id={id}
      label={label}
      hint={hint}
      error={errors[key]}
      value={f[key]}
      onChange={(v) => set({ ...f, [key]: v })}
      placeholder={placeholder}
      disabled={disabled}
    />
  );
  return (
    <div className="space-y-3" data-testid="aws-sigv4-fields">
      <div className="grid gap-3 sm:grid-cols-2">
        {input('http-aws-region', 'awsRegion', 'AWS region', 'us-east-1', 'The region requests are signed for.')}
        {input('http-aws-service', 'awsService', 'AWS service', 'sts', 'The signing name: sts, s3, execute-api, dynamodb…')}
      </div>
      {input(
        'http-aws-profile',
        'awsProfile',
        'Profile (optional)',
        'default',
        "A profile of the agent's AWS credentials file. " +
          'Empty: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of the agent, else its AWS_PROFILE.',
      )}
      <p className="text-[12px] text-slate-500">
        The agent signs each request as it sends it; the keys never leave the agent, and the connection needs no credential of its own. A client&apos;s own
        Authorization and X-Amz-* signing headers are dropped.
      </p>
    </div>
  );
}
