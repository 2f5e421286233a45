import { parseArgs } from 'node:util';
import { EXIT } from '@hoop/protocol';
import { loadEnv } from './env';
import { CliError, usage } from './errors';
import { CLI_VERSION } from './gateway';

const HELP = `hoop ${CLI_VERSION} — reach production databases and servers through policy, masking and audit

Usage:
  hoop login [--gateway URL] [--token TOKEN]    save a token (or pipe it on stdin)
  hoop login [--gateway URL] [--no-browser]     without a token: approve the login in the web app, which hands
             [--days N] [--read-only]           this CLI a new token (default 30 days; the link is printed too)
  hoop connections [-o json]                    list the connections you can use
  hoop connect NAME [--port N] [--host ADDR]    open a local port for psql, DBeaver, ORMs (postgres default 5433),
                                                for mariadb/mysql clients (mysql default 3307),
                                                or for ssh/scp on server and command connections (default 2222),
                                                or for curl, SDKs, scripts on http connections (default 8081),
                                                or for kubectl on kubernetes ones (TLS, default 6444; writes a context)
           [--kubeconfig PATH]                  kubernetes: the kubeconfig to merge the context hoop-NAME into
                                                (default: a file of hoop's own, printed as export KUBECONFIG=…)
           [--exec]                             run the client through it right away: psql, mariadb (or mysql), ssh;
                                                it reads stdin, and hoop connect exits with its code
           [--password PW | --no-password]      postgres: the port's SCRAM password (default: one made per run and
                                                printed in the URL; or $HOOP_CONNECT_PASSWORD); --no-password asks none
           [--require-tls]                      postgres: refuse clients that do not use TLS (offered to all)
           [--duration 30m] [--reason TEXT]     where the policy requires it, ask for time-boxed access first
  hoop exec NAME -i SQL | -f FILE | < stdin     run statements and print the result (postgres and mysql connections;
                                                a command on ssh and command connections; on http ones one
                                                request: "METHOD /path", header lines, a blank line, the body)
           [-o text|json] [--reason TEXT]       a statement held for review waits for approval, then runs once
  hoop exec NAME --review ID                    re-attach to a held statement (after Ctrl-C or a lost connection)
  hoop reviews [--status pending|approved|rejected|expired|revoked|decided|all] [--connection C] [--mine] [-o json]
                                                the review inbox (default: pending)
  hoop reviews get ID [-o json]                 one request: statement, rule, reason, approvals
  hoop reviews approve ID [--comment TEXT]      approve (runs the held statement once enough approvals are in)
  hoop reviews reject ID [--comment TEXT]       reject; the requester gets exit code 4 and your comment
  hoop reviews revoke ID [--comment TEXT]       withdraw a request, an unused approval or an access grant (admins)
  hoop sessions [--connection C] [--user U] [--status S] [-o json]
                                                list recorded sessions (yours; all for auditors)
  hoop sessions get ID [-o json]                the timeline of one session
  hoop sessions export ID [--format jsonl|csv|cast]
                                                every event of a session (cast: asciicast v2 of a terminal session)
  hoop audit verify [--session ID]              recompute the hash chains, check their signatures (exit 1 if
                                                anything was altered)
  hoop audit retention [DAYS | --forever] [-o json]
                                                how long sessions are kept (at least 7 days) and what purges
                                                removed; with a value, change it (admins; also
                                                hoop admin audit retention)
  hoop ca [--out FILE]                          the CA of the gateway's Postgres listener (sslmode=verify-full) and
                                                the connection string that reaches it directly, with no local port
  hoop mcp                                      MCP server on stdio for Claude Code and other agents
  hoop claude configure [--connection NAME] [--scope user|project] [--dry-run]
                                                add hoop to Claude Code's MCP servers and point its model API
                                                at hoop (ANTHROPIC_BASE_URL, your token) when there is an anthropic
                                                connection
  hoop claude [--connection NAME] [-- ARGS…]   run Claude Code with its model API through hoop ($HOOP_CLAUDE: the program)
  hoop admin service-account create NAME [--role developer|reviewer|auditor] [--days N]
                                                an identity for an AI agent (token shown once)
  hoop admin connection test NAME [-o json]     the agent serving NAME reaches its target with its credential and
                                                reports each step (exit 1 if the target fails, 5 if untested)
  hoop policy list                              list policies
  hoop policy get NAME [-o yaml|json]           print a policy document
  hoop policy apply -f FILE                     create or replace a policy (YAML or JSON; admins)
  hoop policy test [FILE] -c CONN "SQL"         show the decision per statement and the rule that fired
                                                (exit 3 if any statement would be stopped)

Environment:
  HOOP_GATEWAY_URL, HOOP_TOKEN   override the saved login
  HOOP_CONFIG                    path of the config file (default: .hoop/cli.json in this folder or a parent,
                                 else ~/.config/hoop/config.json)

Exit codes:
  0  ok
  1  the target answered with an error
  2  usage or configuration error (bad arguments, not logged in, token refused, unknown connection)
  3  blocked by policy
  4  approval rejected or expired
  5  could not reach the gateway or the agent
`;

/**
 * Each command's module is imported when that command runs: together they load the MCP SDK, the SQL parser's wasm,
 * pg, YAML…, which would otherwise be loaded (and, run through tsx, compiled) on every start.
 */
const commands = {
  admin: () => import('./commands/admin'),
  audit: () => import('./commands/audit'),
  ca: () => import('./commands/ca'),
  claude: () => import('./commands/claude'),
  connect: () => import('./commands/connect'),
  connections: () => import('./commands/connections'),
  exec: () => import('./commands/exec'),
  login: () => import('./commands/login'),
  mcp: () => import('./commands/mcp'),
  policy: () => import('./commands/policy'),
  reviews: () => import('./commands/reviews'),
  sessions: () => import('./commands/sessions'),
};

async function run(argv: string[]): Promise<number> {
  const env = loadEnv();
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${CLI_VERSION}\n`);
    return EXIT.ok;
  }
  type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;
  const parse = (options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } => {
    try {
      return parseArgs({ args: rest, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw usage(`${(err as Error).message}; see \`hoop --help\``);
    }
  };
  const output = (v: unknown): 'text' | 'json' => {
    if (v === undefined || v === 'text' || v === 'table') return 'text';
    if (v === 'json') return 'json';
    throw usage(`unknown output format "${String(v)}"; use -o text or -o json`);
  };
  switch (command) {
    case 'login': {
      const { values } = parse({
        gateway: { type: 'string' },
        token: { type: 'string' },
        'no-browser': { type: 'boolean' },
        days: { type: 'string' },
        'read-only': { type: 'boolean' },
      });
      const days = values.days === undefined ? undefined : Number(values.days);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 90)) throw usage('--days is a whole number of days from 1 to 90');
      const { loginCommand } = await commands.login();
      await loginCommand(env, {
        gateway: values.gateway as string | undefined,
        token: values.token as string | undefined,
        browser: !values['no-browser'],
        days,
        readOnly: Boolean(values['read-only']),
      });
      return EXIT.ok;
    }
    case 'connections': {
      const { values } = parse({ output: { type: 'string', short: 'o' } });
      const { connectionsCommand } = await commands.connections();
      await connectionsCommand(env, output(values.output));
      return EXIT.ok;
    }
    case 'connect': {
      const { values, positionals } = parse({
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        duration: { type: 'string' },
        reason: { type: 'string' },
        exec: { type: 'boolean' },
        password: { type: 'string' },
        'no-password': { type: 'boolean' },
        'require-tls': { type: 'boolean' },
        kubeconfig: { type: 'string' },
      });
      if (positionals.length !== 1) throw usage('usage: hoop connect NAME [--port N] [--duration 30m] [--reason TEXT]');
      const password = (values.password as string | undefined) ?? env.connectPassword;
      if (values['no-password'] && values.password !== undefined) throw usage('give either --password or --no-password, not both');
      if (password !== undefined && password.length < 8) throw usage('the local port password must have at least 8 characters');
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw usage(`invalid port ${String(values.port)}`);
      const { parseDuration } = await commands.reviews();
      const durationMinutes = parseDuration(values.duration as string | undefined);
      const { connectCommand } = await commands.connect();
      return connectCommand(env, positionals[0]!, {
        port,
        host: (values.host as string | undefined) ?? '127.0.0.1',
        ...(durationMinutes !== undefined ? { durationMinutes } : {}),
        ...(values.reason ? { reason: values.reason as string } : {}),
        exec: Boolean(values.exec),
        ...(password !== undefined && !values['no-password'] ? { password } : {}),
        noPassword: Boolean(values['no-password']),
        requireTls: Boolean(values['require-tls']),
        ...(values.kubeconfig ? { kubeconfig: values.kubeconfig as string } : {}),
      });
    }
    case 'exec': {
      const { values, positionals } = parse({
        input: { type: 'string', short: 'i' },
        file: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        reason: { type: 'string' },
        review: { type: 'string' },
      });
      if (positionals.length !== 1) throw usage('usage: hoop exec NAME -i SQL | -f FILE | < stdin');
      if (values.input !== undefined && values.file !== undefined) throw usage('give either -i or -f, not both');
      const { execCommand } = await commands.exec();
      return execCommand(env, positionals[0]!, {
        input: values.input as string | undefined,
        file: values.file as string | undefined,
        output: output(values.output),
        ...(values.reason ? { reason: values.reason as string } : {}),
        ...(values.review ? { review: values.review as string } : {}),
      });
    }
    case 'reviews': {
      const sub = ['get', 'approve', 'reject', 'revoke', 'list'].includes(rest[0] ?? '') ? rest.shift()! : 'list';
      const { values, positionals } = parse({
        status: { type: 'string' },
        connection: { type: 'string' },
        mine: { type: 'boolean' },
        limit: { type: 'string' },
        comment: { type: 'string' },
        reason: { type: 'string' },
        output: { type: 'string', short: 'o' },
      });
      const { reviewsDecide, reviewsGet, reviewsList } = await commands.reviews();
      if (sub === 'list')
        return reviewsList(
          env,
          {
            status: values.status as string | undefined,
            connection: values.connection as string | undefined,
            mine: Boolean(values.mine),
            limit: values.limit as string | undefined,
          },
          output(values.output),
        );
      if (positionals.length !== 1) throw usage(`usage: hoop reviews ${sub} ID`);
      if (sub === 'get') return reviewsGet(env, positionals[0]!, output(values.output));
      return reviewsDecide(env, sub as 'approve' | 'reject' | 'revoke', positionals[0]!, (values.comment ?? values.reason) as string | undefined);
    }
    case 'sessions': {
      const sub = rest[0] === 'get' || rest[0] === 'export' ? rest.shift() : 'list';
      const { values, positionals } = parse({
        connection: { type: 'string' },
        user: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        output: { type: 'string', short: 'o' },
        format: { type: 'string' },
      });
      const { sessionsExport, sessionsGet, sessionsList } = await commands.sessions();
      if (sub === 'list')
        return sessionsList(
          env,
          {
            connection: values.connection as string | undefined,
            user: values.user as string | undefined,
            status: values.status as string | undefined,
            limit: values.limit as string | undefined,
          },
          output(values.output),
        );
      if (positionals.length !== 1) throw usage(`usage: hoop sessions ${sub} ID`);
      if (sub === 'get') return sessionsGet(env, positionals[0]!, output(values.output));
      return sessionsExport(env, positionals[0]!, (values.format as string | undefined) ?? 'jsonl');
    }
    case 'audit': {
      const sub = rest.shift();
      const { auditRetentionCommand, parseRetentionDays } = await commands.audit();
      if (sub === 'retention') {
        const { values, positionals } = parse({ forever: { type: 'boolean' }, output: { type: 'string', short: 'o' } });
        if (positionals.length > 1) throw usage('usage: hoop audit retention [DAYS | --forever] [-o json]');
        return auditRetentionCommand(env, parseRetentionDays(positionals[0], Boolean(values.forever)), output(values.output));
      }
      if (sub !== 'verify') throw usage('usage: hoop audit verify [--session ID] | hoop audit retention [DAYS | --forever]');
      const { values } = parse({ session: { type: 'string' } });
      const { auditVerify } = await commands.sessions();
      return auditVerify(env, values.session as string | undefined);
    }
    case 'admin': {
      const ADMIN_USAGE =
        'usage: hoop admin service-account create NAME [--role R] [--days N] | hoop admin ' +
        'connection test NAME [-o json] | hoop admin audit retention [DAYS | --forever]';
      const [noun, verb] = [rest.shift(), rest.shift()];
      const { connectionTestCommand, createServiceAccountCommand } = await commands.admin();
      if (noun === 'audit' && verb === 'retention') {
        const { values, positionals } = parse({ forever: { type: 'boolean' }, output: { type: 'string', short: 'o' } });
        if (positionals.length > 1) throw usage('usage: hoop admin audit retention [DAYS | --forever] [-o json]');
        const { auditRetentionCommand, parseRetentionDays } = await commands.audit();
        return auditRetentionCommand(env, parseRetentionDays(positionals[0], Boolean(values.forever)), output(values.output));
      }
      if (noun === 'connection' && verb === 'test') {
        const { values, positionals } = parse({ output: { type: 'string', short: 'o' } });
        if (positionals.length !== 1) throw usage('usage: hoop admin connection test NAME [-o json]');
        return connectionTestCommand(env, positionals[0]!, output(values.output));
      }
      if (noun !== 'service-account' || verb !== 'create') throw usage(ADMIN_USAGE);
      const { values, positionals } = parse({ role: { type: 'string' }, days: { type: 'string' } });
      if (positionals.length !== 1) throw usage('usage: hoop admin service-account create NAME [--role R] [--days N]');
      return createServiceAccountCommand(env, positionals[0]!, (values.role as string | undefined) ?? 'developer', Number(values.days ?? 90));
    }
    case 'ca': {
      const { values } = parse({ out: { type: 'string' } });
      const { caCommand } = await commands.ca();
      return caCommand(env, { out: values.out as string | undefined });
    }
    case 'mcp': {
      const { mcpCommand } = await commands.mcp();
      return mcpCommand(env);
    }
    case 'claude': {
      const { claudeCommand } = await commands.claude();
      return claudeCommand(env, rest);
    }
    case 'policy': {
      const [sub, ...args] = rest;
      rest.splice(0, rest.length, ...args);
      const { values, positionals } = parse({
        file: { type: 'string', short: 'f' },
        connection: { type: 'string', short: 'c' },
        output: { type: 'string', short: 'o' },
      });
      const { policyApply, policyGet, policyList, policyTest } = await commands.policy();
      if (sub === 'list') return policyList(env);
      if (sub === 'get') {
        if (positionals.length !== 1) throw usage('usage: hoop policy get NAME [-o yaml|json]');
        return policyGet(env, positionals[0]!, values.output === 'json' ? 'json' : 'yaml');
      }
      if (sub === 'apply') {
        const file = (values.file as string | undefined) ?? positionals[0];
        if (!file) throw usage('usage: hoop policy apply -f FILE');
        return policyApply(env, file);
      }
      if (sub === 'test') {
        const sql = positionals.at(-1);
        const file = positionals.length === 2 ? positionals[0] : undefined;
        if (!sql || positionals.length > 2) throw usage('usage: hoop policy test [FILE] -c CONNECTION "SQL"');
        return policyTest(env, { file, connection: values.connection as string | undefined, sql });
      }
      throw usage('usage: hoop policy list | get NAME | apply -f FILE | test [FILE] -c CONN "SQL"');
    }
    default:
      throw usage(`unknown command "${command}"; see \`hoop --help\``);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`hoop: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`hoop: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.targetError;
    }
  },
);
