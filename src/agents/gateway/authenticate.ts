import { GatewayError } from './errors.js';
import { bindingProblem, type TaskKey, type TokenIdentity } from './identity.js';

/** Verifies agent tokens (a {@link TokenVerifier}, or a stand-in in tests). */
export interface AgentTokenVerifier {
  verify(token: string): Promise<TokenIdentity | undefined>;
}

/** How a family of gateway routes asks for a token. */
export interface AuthChallenge {
  /** Names the routes in messages: `LLM`, `git`. */
  routes: string;
  /** The `WWW-Authenticate` value of a 401, e.g. `Bearer realm="weft"` or `Basic realm="weft"`. */
  wwwAuthenticate: string;
  /** How to send the token, for the 401 message. */
  howToSend: string;
  /** Extra headers of 401 and 403 replies. */
  headers?: Record<string, string>;
}

/**
 * The shared authentication of the gateway's routes: `token` (already taken from the request)
 * must be accepted by TokenReview for audience `weft` and belong to the task's ServiceAccount.
 * Throws a {@link GatewayError}: 401 with the challenge when missing or not accepted, 403 when it
 * is another task's, 503 when the apiserver could not be asked.
 */
export async function authenticateAgent(verifier: AgentTokenVerifier, o: { token: string | undefined; task: TaskKey; challenge: AuthChallenge }): Promise<TokenIdentity> {
  const { challenge } = o;
  const unauthorized = { headers: { 'www-authenticate': challenge.wwwAuthenticate, ...challenge.headers } };
  if (!o.token) throw new GatewayError(401, 'Unauthenticated', `no token: send the pod's projected ServiceAccount token (audience "weft") ${challenge.howToSend}`, unauthorized);
  let identity: TokenIdentity | undefined;
  try {
    identity = await verifier.verify(o.token);
  } catch (err) {
    throw new GatewayError(503, 'Unauthenticated', `the token could not be verified (TokenReview failed: ${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (!identity) throw new GatewayError(401, 'Unauthenticated', 'the token was not accepted by the apiserver for audience "weft" (expired, wrong audience, or not a ServiceAccount token)', unauthorized);
  const problem = bindingProblem(identity, o.task, challenge.routes);
  if (problem) throw new GatewayError(403, 'Forbidden', problem, { headers: { ...challenge.headers } });
  return identity;
}
