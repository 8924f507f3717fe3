// The layering rules of ../shared/ARCHITECTURE.md (docs/development.md#layers), checked by `npm run lint`.
// An arrow goes down only: src/cli → src/operator → controllers/, webhooks/, src/server/ → the libraries
// (scheduler, policy, cluster, mesh, forge, …) → src/runtime → src/api.
/** Our own code outside the tests: what the rules below constrain. */
const OURS = '^(src|controllers|webhooks)/';
const KINDS = '(meshnode|orgcluster|workload|agenttask|job)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports make load order matter and layers meaningless: move the shared part down a layer.',
      from: { path: OURS },
      to: { circular: true },
    },
    {
      name: 'api-is-a-leaf',
      severity: 'error',
      comment: 'src/api (schemas, generated types, helpers) imports nothing of ours outside src/api.',
      from: { path: '^src/api/' },
      to: { path: '^(src|controllers|webhooks|test|bench|e2e)/', pathNot: '^src/api/' },
    },
    {
      name: 'runtime-knows-no-kind',
      severity: 'error',
      comment: 'src/runtime is the operator runtime for any kind: it may use src/api/common, never a kind or a feature.',
      from: { path: '^src/runtime/' },
      to: { path: '^(src|controllers|webhooks)/', pathNot: ['^src/runtime/', '^src/api/common/'] },
    },
    {
      name: 'pure-libraries',
      severity: 'error',
      comment: 'src/scheduler, src/policy and src/speckit are pure: no runtime, no cluster access, no HTTP (type imports are fine).',
      from: { path: '^src/(scheduler|policy|speckit)/' },
      to: {
        path: ['^src/(runtime|server|cluster|operator|cli|mesh|forge|mcp|nodeagent)/', '^(controllers|webhooks)/', '^node_modules/(undici|fastify|@kubernetes/client-node|execa)/', '^(node:)?(http|https|http2|net)$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'nothing-imports-the-composition-root',
      severity: 'error',
      comment: 'src/operator wires everything and is imported only by src/cli; nothing imports src/cli.',
      from: { path: OURS, pathNot: '^src/(cli|operator)/' },
      to: { path: '^src/(cli|operator)/' },
    },
    {
      name: 'operator-only-from-cli',
      severity: 'error',
      comment: 'src/cli is the entry point: only it may import src/operator.',
      from: { path: '^src/operator/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'libraries-below-controllers',
      severity: 'error',
      comment: 'Libraries (src/*) never import controllers/ or webhooks/: pass what they need in (ARCHITECTURE.md layers).',
      from: { path: '^src/', pathNot: '^src/(cli|operator)/' },
      to: { path: '^(controllers|webhooks)/' },
    },
    {
      name: 'controllers-do-not-import-each-other',
      severity: 'error',
      comment: `A controller composes with another kind through the API (an owned object), not by importing its code; shared code goes to src/.`,
      from: { path: `^controllers/${KINDS}/` },
      to: { path: '^controllers/([^/]+)/', pathNot: ['^controllers/$1/', '^controllers/context\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^web/', '\\.test\\.ts$', '\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    moduleSystems: ['es6'],
  },
};
