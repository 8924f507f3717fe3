// Jest projects separate the test tiers: `npm run test:unit` (pure logic, no processes),
// `test:contract` (HTTP contract, Dockerfile), `test:integration` (real kube-apiserver + etcd),
// `test:e2e` (the whole system as a user runs it). `npm test` runs them all.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
// Integration and e2e tests dump the operator log tail, objects and Events when one fails
// (test/harness/diagnostics.ts): the environment says which test failed, the setup file dumps.
const withDiagnostics = {
  testEnvironment: '<rootDir>/test/harness/environment.js',
  setupFilesAfterEnv: ['<rootDir>/test/harness/diagnostics-setup.ts'],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/controllers/**/*.test.ts', '<rootDir>/webhooks/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'contract',
      testMatch: ['<rootDir>/test/contract/**/*.test.ts'],
    },
    {
      ...common,
      ...withDiagnostics,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
    {
      ...common,
      ...withDiagnostics,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
  reporters: ['default', ['jest-junit', { outputDirectory: 'reports', outputName: 'junit.xml', addFileAttribute: 'true', suiteNameTemplate: '{displayName} {filepath}' }]],
  // Integration tests talk to real processes; a hung call should fail the test, not the run.
  testTimeout: 60000,
  // Tests run in a worker process that is replaced once its heap passes this after a test file. Jest
  // keeps every test file's ES modules alive, and V8 coverage is taken per file over all of them: run
  // in band (jest's choice on 2 cores) the 100th small unit file took 8 s instead of 0.4 s and the
  // process grew past 2 GB. Recycling keeps each file's cost flat (docs/development.md#tests).
  workerIdleMemoryLimit: '300MB',
  coverageProvider: 'v8',
  coverageDirectory: 'reports/coverage',
  coverageReporters: ['text-summary', 'lcov', 'cobertura'],
  collectCoverageFrom: ['src/**/*.ts', 'controllers/**/*.ts', 'webhooks/**/*.ts', '!**/*.test.ts', '!src/api/**/types.ts'],
};
