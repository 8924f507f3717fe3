/**
 * Calls to the operator's API with the signed-in user's credentials: a Kubernetes bearer token kept
 * in sessionStorage (gone when the tab closes), or the browser's client certificate over mTLS.
 */
const TOKEN_KEY = 'weft.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: { error?: string; message?: string; missing?: { verb: string; resource: string; group: string; namespace?: string; name?: string } },
  ) {
    super(message);
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

const unauthenticated = new Set<(why: string) => void>();
/** Called whenever the API answers 401 (expired or revoked token): the app shows the sign-in page. */
export function onUnauthenticated(fn: (why: string) => void): () => void {
  unauthenticated.add(fn);
  return () => unauthenticated.delete(fn);
}

export function authHeaders(): Record<string, string> {
  const t = token.get();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/** GET (or another method) on the API; non-2xx → ApiError with the server's message. */
export async function api<T>(path: string, init: { method?: string; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method: init.method ?? 'GET', headers: { accept: 'application/json', ...authHeaders() }, signal: init.signal, credentials: 'same-origin' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'cannot reach the operator: is it running, and is this the right address?');
  }
  const text = await res.text();
  let body: ApiError['body'] & Record<string, unknown>;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const err = new ApiError(res.status, String(body.message ?? `HTTP ${res.status}`), body);
    if (res.status === 401) for (const fn of unauthenticated) fn(err.message);
    throw err;
  }
  return body as T;
}

/** GET of a non-JSON body (a log, an artifact) with the user's credentials; non-2xx → ApiError with the server's message. */
export async function fetchBody(path: string): Promise<Response> {
  const res = await fetch(path, { headers: authHeaders(), credentials: 'same-origin' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(res.status, body.message ?? `HTTP ${res.status}`);
  }
  return res;
}

/** Downloads `path` with the user's credentials and saves it as `filename` (a file the browser cannot fetch on its own: the token is not a cookie). */
export async function download(path: string, filename: string): Promise<void> {
  const url = URL.createObjectURL(await (await fetchBody(path)).blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
