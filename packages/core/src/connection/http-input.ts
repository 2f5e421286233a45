import { z } from 'zod';
import { AWS_PROFILE_PATTERN, AWS_REGION_PATTERN, AWS_SERVICE_PATTERN, HTTP_AUTH_TYPES } from '@hoop/protocol';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

/**
 * An HTTP API reached through hoop (httpTargetConfigFrom in @hoop/protocol reads what this saves): its base URL, and
 * how the agent sends the connection's credential — a bearer token, a header of the API's choosing, or basic auth
 * with a user name here and the password as the credential — or AWS Signature V4 with the agent's own AWS
 * credentials, for a region and a service named here.
 */
export const HttpConfig = z
  .object({
    baseUrl: z.preprocess(
      blankToUndefined,
      z
        .string({ error: 'Enter the base URL of the API, such as https://billing.internal/api.' })
        .max(500, { error: 'The base URL is at most 500 characters.' })
        .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
          error: 'The base URL is an http or https address without a query, such as https://billing.internal/api.',
        }),
    ),
    authType: z.enum(HTTP_AUTH_TYPES, { error: `How the credential is sent is one of ${HTTP_AUTH_TYPES.join(', ')}.` }).default('bearer'),
    authHeader: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, { error: 'The header is a header name, such as X-Api-Key.' })
        .optional(),
    ),
    authUser: z.preprocess(blankToUndefined, z.string().max(200, { error: 'The user name is at most 200 characters.' }).optional()),
    /** CA certificates (PEM) an https API's certificate must chain to; empty: the system's */
    caCert: z.preprocess(
      blankToUndefined,
      z.string().includes('-----BEGIN CERTIFICATE-----', { error: 'Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE-----…).' }).optional(),
    ),
    awsRegion: z.preprocess(
      blankToUndefined,
      z.string().regex(AWS_REGION_PATTERN, { error: 'The region is an AWS region name, such as us-east-1.' }).optional(),
    ),
    awsService: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(AWS_SERVICE_PATTERN, { error: "The service is the AWS service's signing name in lower case, such as sts, s3 or execute-api." })
        .optional(),
    ),
    awsProfile: z.preprocess(
      blankToUndefined,
      z.string().regex(AWS_PROFILE_PATTERN, { error: 'The profile is a profile name of the shared credentials file, such as default.' }).optional(),
    ),
    connectTimeoutMs: z.coerce.number().int().min(100).max(600_000).optional(),
  })
  .refine((c) => c.authType !== 'header' || c.authHeader, { error: 'Name the header that carries the credential, such as X-Api-Key.', path: ['authHeader'] })
  .refine((c) => c.authType !== 'basic' || c.authUser, { error: 'Enter the user name for basic auth.', path: ['authUser'] })
  .refine((c) => c.authType !== 'aws-sigv4' || c.awsRegion, { error: 'Enter the AWS region requests are signed for, such as us-east-1.', path: ['awsRegion'] })
  .refine((c) => c.authType !== 'aws-sigv4' || c.awsService, {
    error: "Enter the AWS service's signing name, such as sts, s3 or execute-api.",
    path: ['awsService'],
  });
