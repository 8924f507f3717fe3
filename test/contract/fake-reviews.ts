import type { RestClient } from '../../src/runtime/rest.js';

/**
 * A stand-in for the apiserver's review APIs: token "viewer-token" is user "viewer" (get/list),
 * "admin-token" is "admin" (everything); any other token is rejected. Every other call fails.
 * `reviews` counts the calls (the guard caches answers).
 */
export function fakeReviews(): RestClient & { reviews: number } {
  const fake = {
    reviews: 0,
    async request(_method: string, path: string, opts: { body?: { spec?: { token?: string; user?: string; resourceAttributes?: { verb: string } } } }) {
      fake.reviews++;
      const spec = opts.body?.spec ?? {};
      if (path.endsWith('/tokenreviews')) {
        const user = { 'viewer-token': 'viewer', 'admin-token': 'admin' }[spec.token ?? ''];
        return { status: user ? { authenticated: true, user: { username: user, groups: ['system:authenticated'] } } : { authenticated: false, error: 'invalid bearer token' } };
      }
      if (path.endsWith('/subjectaccessreviews')) {
        const verb = spec.resourceAttributes?.verb ?? '';
        return { status: { allowed: spec.user === 'admin' || (spec.user === 'viewer' && ['get', 'list'].includes(verb)) } };
      }
      throw Object.assign(new Error(`unexpected call ${path}`), { code: 500 });
    },
  };
  return fake as unknown as RestClient & { reviews: number };
}
