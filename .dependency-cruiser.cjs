// The layers of the workspace, checked on every import (type-only imports included) by `npm test` and `npm run lint`:
//
//   apps/{web,gateway,agent,cli}   deploy; each may use packages, never another app (tests included)
//   packages/*                     libraries; never import an app
//   packages/{pgwire,mysqlwire,    pure: no I/O (sockets, files, processes); pgwire and mysqlwire import no workspace
//            pipeline}             package, pipeline only pgwire; pipeline never imports db or protocol
//
// agent and cli run on users' machines and inside customer networks: they never import the database package.
// Inside the agent: link/ (the gateway tunnel) and session/ (the contract every protocol implements) stand alone;
// each protocol's folder (postgres/, ssh/) uses session/ only; agent.ts and protocols.ts wire them together.
// Inside the gateway: audit/ (storing agents' audit frames) stands alone; agent-link/ never imports client-link/; http/
// is imported by server.ts only, which wires the parts together.
// `npm run lint:layers` (scripts/check-layers.ts) lists every violation with the rule's explanation.

/** Node built-ins that do I/O; the pure packages may use the rest (crypto, buffer, util…). */
const IO_MODULES = '^(node:)?(net|tls|dgram|dns|dns/promises|http|https|http2|child_process|cluster|fs|fs/promises|worker_threads|readline|repl|inspector|vm)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules import each other in a circle. ' +
        'Move what both need into a module of its own (a shared type, a constant, a small function) that imports neither.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-app-imports-app',
      severity: 'error',
      comment: 'An app imports another app. Apps share code only through packages/* (test helpers live in @hoop/devstack).',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-package-imports-app',
      severity: 'error',
      comment: 'A package imports an app. Packages sit below the apps: move the code the package needs into a package.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'agent-cli-not-db',
      severity: 'error',
      comment: 'The agent and the CLI never reach the database: they talk to the gateway. Tests read and seed it through @hoop/devstack.',
      from: { path: '^apps/(agent|cli)/' },
      to: { path: ['^packages/db/', 'node_modules/(@prisma|prisma)/'] },
    },
    {
      name: 'agent-session-and-link-alone',
      severity: 'error',
      comment:
        "The agent's session contract (session/) and its gateway link (link/) serve every protocol: they import neither each other, " +
        "nor a protocol's folder, nor the wiring above them (agent.ts, protocols.ts). " +
        'A protocol plugs in through its folder and a line in protocols.ts.',
      from: { path: '^apps/agent/src/(session|link)/' },
      to: { path: '^apps/agent/src/', pathNot: '^apps/agent/src/($1/|env[.]ts$)' },
    },
    {
      name: 'agent-protocol-alone',
      severity: 'error',
      comment:
        "An agent protocol's folder (postgres/, ssh/, …) imports only itself and the session contract (session/): " +
        'protocols do not borrow from each other, so adding or removing one is a folder and a line in protocols.ts.',
      from: { path: '^apps/agent/src/(?!session/|link/|kubernetes/)([^/]+)/' },
      to: { path: '^apps/agent/src/', pathNot: '^apps/agent/src/($1|session)/|^apps/agent/src/env[.]ts$' },
    },
    {
      name: 'agent-kubernetes-on-http',
      severity: 'error',
      comment:
        'kubernetes/ is built on the http plumbing (a plug-in of http/: exchanges, masking, recording) and may import it, the ' +
        'session contract and itself; nothing else of the agent.',
      from: { path: '^apps/agent/src/kubernetes/' },
      to: { path: '^apps/agent/src/', pathNot: '^apps/agent/src/(kubernetes|http|session)/|^apps/agent/src/env[.]ts$' },
    },
    {
      name: 'gateway-audit-alone',
      severity: 'error',
      comment:
        "The gateway's audit trail (audit/: ingest, writer, chain, retention) stores what it is handed: " +
        'it imports no other part of the gateway (the agent and client links, the HTTP endpoints, reviews), so the links depend on it, ' +
        'never the reverse.',
      from: { path: '^apps/gateway/src/audit/' },
      to: { path: '^apps/gateway/src/', pathNot: '^apps/gateway/src/audit/' },
    },
    {
      name: 'gateway-agent-link-not-clients',
      severity: 'error',
      comment:
        "The gateway's agent link (agent-link/) carries the clients' sessions to the agents, not the other way round: " +
        'it never imports the client link (client-link/).',
      from: { path: '^apps/gateway/src/agent-link/' },
      to: { path: '^apps/gateway/src/client-link/' },
    },
    {
      name: 'gateway-http-on-top',
      severity: 'error',
      comment:
        "The gateway's HTTP endpoints (http/) sit on top: server.ts alone wires them in; " +
        'the links, the audit trail and the rest of the gateway never import them.',
      from: { path: '^apps/gateway/src/', pathNot: '^apps/gateway/src/(http/|server[.]ts$)' },
      to: { path: '^apps/gateway/src/http/' },
    },
    {
      name: 'pipeline-not-db-or-protocol',
      severity: 'error',
      comment: 'The pipeline is pure policy: (statement, policy) → verdict. It never imports the database or the tunnel protocol.',
      from: { path: '^packages/pipeline/' },
      to: { path: '^packages/(db|protocol)/' },
    },
    {
      name: 'pgwire-alone',
      severity: 'error',
      comment: 'pgwire is a codec: it imports no other workspace package.',
      from: { path: '^packages/pgwire/src/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/pgwire/' },
    },
    {
      name: 'mysqlwire-alone',
      severity: 'error',
      comment: 'mysqlwire is a codec: it imports no other workspace package.',
      from: { path: '^packages/mysqlwire/src/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/mysqlwire/' },
    },
    {
      name: 'httpwire-alone',
      severity: 'error',
      comment: 'httpwire is a codec (HTTP exchanges over a stream, event streams, the Messages API): it imports no other workspace package.',
      from: { path: '^packages/httpwire/src/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/httpwire/' },
    },
    {
      name: 'pgfront-deps',
      severity: 'error',
      comment:
        'pgfront is the Postgres front door (TLS, authentication): ' +
        "of the workspace it imports only pgwire, so the gateway's listener and hoop connect's port share it.",
      from: { path: '^packages/pgfront/src/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/(pgfront|pgwire)/' },
    },
    {
      name: 'pipeline-pure-deps',
      severity: 'error',
      comment: 'The pipeline is pure: of the workspace it imports only pgwire (type OIDs), never a package that does I/O.',
      from: { path: '^packages/pipeline/src/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/(pipeline|pgwire)/' },
    },
    {
      name: 'pure-no-io',
      severity: 'error',
      comment:
        'pgwire, mysqlwire, httpwire and pipeline are pure: no sockets, files, processes or timers of their own. I/O belongs to the app that owns the socket.',
      from: { path: '^packages/(pgwire|mysqlwire|httpwire|pipeline)/src/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'not-to-undeclared',
      severity: 'error',
      comment:
        "An import of a package that the importing workspace's package.json does not declare (it resolves only by accident of hoisting). " +
        'Add it to that package.json.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing on disk.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^apps/web/\\.next/', '^packages/db/src/generated/', '(^|/)\\.hoop/'] },
    tsPreCompilationDeps: true,
    // workspaces resolve through node_modules and each package.json's `exports`; web's `~/` alias is added by
    // scripts/check-layers.ts (the tsconfig-paths resolver would read it relative to the working directory)
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
