import { taskBranch } from '../../run/spec.js';
import { ZERO_OID, type RefCommand, type RefReport } from './pktline.js';

/** What a push asks for, per command. */
export type RefChange = 'create' | 'update' | 'delete';

/** The kind of change a command is. */
export function changeOf(c: RefCommand): RefChange {
  if (ZERO_OID.test(c.newOid)) return 'delete';
  if (ZERO_OID.test(c.oldOid)) return 'create';
  return 'update';
}

/** The gateway's decision on a push: allowed (all commands), or refused with a reason per ref. */
export type ScopeDecision = { allowed: true; command: RefCommand } | { allowed: false; refs: RefReport[]; message: string };

/**
 * Decides whether a push of `commands` by the agent of task `task` may go on to the mirror. Only
 * `refs/heads/weft/<task>` may change, created or updated (whether a non-fast-forward update is
 * accepted is receive-pack's `receive.denyNonFastForwards`, see the gateway's `allowForcePush`);
 * deletion is refused; a push with any refused command is refused as a whole (nothing is half
 * pushed). Pure: the route turns a refusal into report-status `ng` lines the client prints.
 * @example decidePush('fix', [{ oldOid: '0'.repeat(40), newOid: 'ab…', ref: 'refs/heads/main' }]).allowed // false
 */
export function decidePush(task: string, commands: RefCommand[]): ScopeDecision {
  const allowedRef = `refs/heads/${taskBranch(task)}`;
  const refs: RefReport[] = commands.map((c) => {
    if (c.ref !== allowedRef) return { ref: c.ref, error: `weft: agents of AgentTask "${task}" may push only ${allowedRef} (git push origin HEAD:${taskBranch(task)})` };
    if (changeOf(c) === 'delete') return { ref: c.ref, error: `weft: deleting ${allowedRef} is not allowed; push new commits to it instead` };
    return { ref: c.ref };
  });
  const refused = refs.filter((r) => r.error);
  if (refused.length === 0) {
    if (commands.length === 1) return { allowed: true, command: commands[0]! };
    return { allowed: false, refs: refs.map((r) => ({ ref: r.ref, error: `weft: one ref per push: push only ${allowedRef}` })), message: `weft: push only ${allowedRef}, one ref per push` };
  }
  const withAtomic = refs.map((r) => (r.error ? r : { ref: r.ref, error: 'weft: not pushed, another ref of this push was refused' }));
  return { allowed: false, refs: withAtomic, message: refused.map((r) => r.error).join('\n') };
}
