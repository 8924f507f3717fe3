import { errorMessage, statusCode } from './errors.js';
import { NamespaceMissingError } from './namespace.js';
import type { CheckResult } from './readiness.js';

/**
 * Where leader election stands, as this replica saw it last: electing (no attempt answered yet, or
 * no holder seen), leading, following a holder it has actually seen on the Lease, or failing (the
 * reason names the fix).
 */
export type LeaderStatus =
  | { state: 'electing' }
  | { state: 'leading' }
  | { state: 'following'; holder: string; renewTime: number; durationMs: number }
  | { state: 'failing'; reason: string };

/** The Lease call that failed, for the reason's wording. */
export type LeaseVerb = 'get' | 'create' | 'update';

/** A Lease call that failed, with a reason that says what to do. */
export class LeaderElectionError extends Error {
  override name = 'LeaderElectionError';
}

/**
 * Why a Lease call failed, in words that say the fix: a missing namespace, missing RBAC on leases,
 * or the apiserver's own message.
 */
export function describeLeaseFailure(err: unknown, lease: { namespace: string; name: string }, verb: LeaseVerb): LeaderElectionError {
  if (err instanceof LeaderElectionError) return err;
  if (err instanceof NamespaceMissingError) return new LeaderElectionError(err.message, { cause: err });
  const msg = errorMessage(err);
  if (statusCode(err) === 403) {
    return new LeaderElectionError(
      `the operator may not ${verb} leases.coordination.k8s.io in namespace "${lease.namespace}" (${msg}): apply config/rbac (Role weft-leader-election) or grant get, create and update on leases there`,
      { cause: err },
    );
  }
  return new LeaderElectionError(`cannot ${verb} Lease ${lease.namespace}/${lease.name}: ${msg}`, { cause: err });
}

/**
 * The `leader` readiness check. A standby replica is ready (it serves and takes over when the
 * leader goes) only when it has seen another holder on the Lease; a replica that cannot reach the
 * Lease is not, and says why.
 */
export function leaderCheck(status: LeaderStatus, identity: string, now: number = Date.now()): CheckResult {
  switch (status.state) {
    case 'leading':
      return { ok: true, message: `leading as ${identity}` };
    case 'following': {
      const ago = Math.max(0, Math.round((now - status.renewTime) / 1000));
      const expired = now > status.renewTime + status.durationMs;
      return { ok: true, message: `standby (${identity}); ${status.holder} leads (lease renewed ${ago} s ago${expired ? ', expired: taking over' : ''})` };
    }
    case 'electing':
      return { ok: false, message: `electing (${identity}): no holder seen on the Lease yet (election starts once the caches are synced)` };
    case 'failing':
      return { ok: false, message: `no leader known (${identity}): ${status.reason}` };
  }
}
