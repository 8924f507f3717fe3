import { bearerToken } from '../identity.js';

/**
 * The agent's token on a git request: `Authorization: Bearer <token>` (set with
 * `git -c http.extraHeader=…`) or the password of `Authorization: Basic` (any user name), which
 * is what git sends after a 401 when a credential helper or askpass supplies the token.
 * @example gitToken({ authorization: `Basic ${Buffer.from('x:tok').toString('base64')}` }) // 'tok'
 */
export function gitToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const bearer = bearerToken({ authorization: headers.authorization });
  if (bearer) return bearer;
  const auth = headers.authorization;
  const a = Array.isArray(auth) ? auth[0] : auth;
  const m = a ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(a) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  return password.trim() || undefined;
}
