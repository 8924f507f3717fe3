import { ApiError } from './errors.js';
import { ensureNamespace, NamespaceMissingError } from './namespace.js';
import type { RestClient } from './rest.js';

type Answer = 'ok' | 403 | 404 | 409;
const fail = (code: number) => new ApiError(code, { 403: 'Forbidden', 404: 'NotFound', 409: 'AlreadyExists' }[code] ?? 'Error', `HTTP ${code}`);
const rest = (get: Answer, create: Answer) =>
  ({
    get: async () => (get === 'ok' ? {} : Promise.reject(fail(get))),
    create: async () => (create === 'ok' ? {} : Promise.reject(fail(create))),
  }) as unknown as Pick<RestClient, 'get' | 'create'>;

describe('ensureNamespace', () => {
  it.each<[string, Answer, Answer, string]>([
    ['there', 'ok', 'ok', 'exists'],
    ['missing, may create', 404, 'ok', 'created'],
    ['created by someone else meanwhile', 404, 409, 'exists'],
    ['cannot read, may create', 403, 'ok', 'created'],
    ['cannot read, exists', 403, 409, 'exists'],
    ['cannot read nor create: cannot tell', 403, 403, 'unknown'],
  ])('%s', async (_name, get, create, want) => expect(await ensureNamespace(rest(get, create), 'weft-system')).toBe(want));

  it('missing and not allowed to create it: says both fixes', async () => {
    const err = await ensureNamespace(rest(404, 403), 'weft-system').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NamespaceMissingError);
    expect((err as Error).message).toBe(
      'namespace "weft-system" does not exist and this operator may not create it (HTTP 403): run `kubectl create namespace weft-system`, or grant the operator create on namespaces, or pass --namespace with an existing one',
    );
  });
});
