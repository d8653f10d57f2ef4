// Import boundaries of STYLE.md §2, checked before every test run (`npm run check:deps`).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make module order fragile and hide layering mistakes.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'kernel-is-a-leaf',
      severity: 'error',
      comment: 'kernel/ (errors, clock, ids) imports nothing else from src.',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'core-never-imports-edges',
      severity: 'error',
      comment:
        'Data flows one way: edges (cli, server) → services → router → store. The core (domain, store, router) never imports the edges (cli, server, the A2A and MCP adapters), config, the wire format or the services above it.',
      from: { path: '^src/(kernel|manifest|scoring|policy|audit|tasks|events|store|router)/' },
      to: { path: '^src/(cli|server|config|log|wire|service|a2a|mcp)/' },
    },
    {
      name: 'services-never-import-edges',
      severity: 'error',
      comment:
        'Services (task lifecycle, agents, timers, cluster sync, events) know nothing of HTTP, the CLI or the wire format.',
      from: { path: '^src/service/' },
      to: { path: '^src/(cli|server|config|wire|client)/' },
    },
    {
      name: 'chain-is-a-leaf',
      severity: 'error',
      comment:
        'The hash chain and ledger formats (chain/) are what the store seals with and audit checks: they import only domain types, never the store, the audit or anything above.',
      from: { path: '^src/chain/' },
      to: { path: '^src/(store|audit|router|service|server|cli|wire|scoring|config|client)/' },
    },
    {
      name: 'store-never-imports-audit',
      severity: 'error',
      comment: 'audit/ reads the store to verify it; the store seals with chain/, never with audit/.',
      from: { path: '^src/store/' },
      to: { path: '^src/audit/' },
    },
    {
      name: 'store-below-the-router',
      severity: 'error',
      comment: 'The store port and its adapters never import the router or the services that use them.',
      from: { path: '^src/store/' },
      to: { path: '^src/(router|service)/' },
    },
    {
      name: 'routes-call-services',
      severity: 'error',
      comment:
        'HTTP routes and event streams go through the services (and the router for decisions), never to the store.',
      from: { path: '^src/server/(routes|sse)/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'cli-opens-stores-only',
      severity: 'error',
      comment:
        'CLI commands work through the router and the services; of the store they only open one (create-store.ts) to hand it to them.',
      from: { path: '^src/cli/' },
      to: { path: '^src/store/', pathNot: '^src/store/(create-store|store)\\.ts$' },
    },
    {
      name: 'wire-sees-service-types-only',
      severity: 'error',
      comment: "The wire format maps the services' public types, never their internals.",
      from: { path: '^src/wire/' },
      to: { path: '^src/service/', pathNot: '^src/service/[a-z-]+-types\\.ts$' },
    },
    {
      name: 'client-speaks-http-only',
      comment: 'swarm-router/client is what agent processes import: HTTP only, nothing of the core.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/client/' },
    },
    {
      name: 'scoring-and-policy-are-pure',
      severity: 'error',
      comment: 'Scoring and policy do no I/O: no store, router, audit, drivers or I/O built-ins.',
      from: { path: '^src/(scoring|policy)/' },
      to: {
        path: '^src/(store|router|audit)/|better-sqlite3|^pg$|node:(fs|net|http|https|child_process|dgram)|^(fs|net|http|https|child_process|dgram)$',
      },
    },
    {
      name: 'only-create-store-picks-an-adapter',
      severity: 'error',
      comment: 'Everything but create-store.ts and the public index sees only the Store port.',
      from: { path: '^src/', pathNot: '^src/store/(create-store\\.ts|sqlite/|postgres/)|^src/index\\.ts$' },
      to: { path: '^src/store/(sqlite|postgres)/' },
    },
    {
      name: 'drivers-stay-in-their-adapter',
      severity: 'error',
      comment: 'Database drivers are imported only by their adapter.',
      from: { path: '^src/', pathNot: '^src/store/sqlite/' },
      to: { path: 'node_modules/better-sqlite3/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
