// Jest's node environment plus one fact the diagnostics hook (test/harness/diagnostics.ts) needs in
// afterEach: did the running test fail, and what is it called. Plain JavaScript: jest loads test
// environments before any transform is set up.
import { TestEnvironment } from 'jest-environment-node';

/** The full name of a jest-circus test: its describe blocks and its own name. */
function fullName(test) {
  const names = [];
  for (let t = test; t && t.name !== 'ROOT_DESCRIBE_BLOCK'; t = t.parent) names.unshift(t.name);
  return names.join(' › ');
}

/** Sets `globalThis.__weftTestStatus = { name, failed, errors }` for the test that is running. */
export default class WeftTestEnvironment extends TestEnvironment {
  handleTestEvent(event) {
    if (event.name === 'test_start') {
      this.global.__weftTestStatus = { name: fullName(event.test), failed: false, errors: [] };
    } else if (event.name === 'test_fn_failure' || (event.name === 'hook_failure' && event.hook.type === 'beforeEach')) {
      const status = this.global.__weftTestStatus ?? { name: fullName(event.test ?? event.hook.parent), errors: [] };
      const error = event.error;
      this.global.__weftTestStatus = { ...status, failed: true, errors: [...status.errors, String(error?.message ?? error)] };
    }
  }
}
