import { z } from 'zod';

/**
 * The `http` section of a policy: guardrails for requests through http connections (an HTTP API reached with a
 * credential the agent injects). Judged on the agent before anything reaches the API (pipeline/src/http/evaluate.ts).
 *
 * Defaults: every `DELETE` is held for review (built-in `http-delete`), every other request is allowed; a read-only
 * connection lets only GET, HEAD and OPTIONS through. Paths the agent cannot read one way (`%2F` inside a segment, `;`,
 * `\`, control characters, double encoding) are refused whatever the rules say.
 */

export const HTTP_BUILTIN_RULE_IDS = ['http-delete'] as const;
export type HttpBuiltinRuleId = (typeof HTTP_BUILTIN_RULE_IDS)[number];

const HttpAction = z.enum(['allow', 'deny', 'review']);

/** A method name (upper or lower case) or `*`. */
const MethodName = z
  .string()
  .regex(/^([A-Za-z]{1,16}|\*)$/, 'methods are names such as GET, POST, DELETE, or *')
  .transform((m) => m.toUpperCase());

/**
 * A path glob, matched against the request's path as the API reads it (decoded, `.` and `..` resolved, repeated and
 * trailing slashes dropped) without regard to case: `*` stands for any text within one segment, `**` for any number
 * of segments (`/v1/invoices/*`, `/admin/**`).
 */
const PathGlob = z
  .string()
  .min(1)
  .max(500)
  .regex(/^\/[^?#\s]*$/, 'a path glob starts with / and has no query, fragment or spaces');

/** A condition on a field of the request's JSON body, named by its keys joined with dots (`customer.email`, `items.*.amount`). */
export const HttpBodyCondition = z
  .object({
    field: z
      .string()
      .min(1)
      .max(300)
      .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a field is keys joined with dots; * stands for any key or array element'),
    /** the field is (or is not, with false) in the body */
    present: z.boolean().optional(),
    /** the field's value is one of these */
    equals: z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(100)]).optional(),
    /** the field is a number (or a numeric string) greater than this */
    above: z.number().optional(),
    /** the field is a number (or a numeric string) less than this */
    below: z.number().optional(),
  })
  .strict()
  .refine((c) => c.present !== undefined || c.equals !== undefined || c.above !== undefined || c.below !== undefined, 'a body condition must test something');
export type HttpBodyCondition = z.infer<typeof HttpBodyCondition>;

export const HttpRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'rule ids are lowercase words joined by dashes'),
    action: HttpAction,
    message: z.string().max(500).optional(),
    match: z
      .object({
        /** methods (GET also covers HEAD); absent or `*`: any */
        methods: z.array(MethodName).max(20).optional(),
        /** path globs; absent: any path */
        paths: z.array(PathGlob).max(100).optional(),
        /** all of these must hold of the JSON body; a body that is not JSON holds none (so a deny or review rule fires) */
        body: z.array(HttpBodyCondition).max(20).optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some((v) => v && v.length > 0), 'a rule must match on something'),
  })
  .strict();
export type HttpRule = z.infer<typeof HttpRule>;

const BuiltinSetting = z.object({ enabled: z.boolean().optional(), action: HttpAction.optional() }).strict();

export const HttpSettings = z
  .object({
    builtins: z.partialRecord(z.enum(HTTP_BUILTIN_RULE_IDS), BuiltinSetting).default({}),
    /** checked in order before the built-ins; the first that matches a request decides for it */
    rules: z.array(HttpRule).max(500).default([]),
    /** the largest request body read whole to judge body conditions; a larger one is refused where a rule reads bodies */
    maxJudgedBody: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .strict();
export type HttpSettings = z.infer<typeof HttpSettings>;
export const HTTP_DEFAULTS: HttpSettings = { builtins: {}, rules: [], maxJudgedBody: 1024 * 1024 };
