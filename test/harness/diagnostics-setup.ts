// Registered by jest.config.js (setupFilesAfterEnv) for the integration and e2e projects: after a
// failed test, dump the operator logs, objects and Events the harness knows about (diagnostics.ts).
import { dumpIfFailed } from './diagnostics.js';

afterEach(() => dumpIfFailed(), 60_000);
