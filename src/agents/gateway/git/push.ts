import { GatewayError } from '../errors.js';
import { PktLineError, parseReceiveRequest, receivePackReply } from './pktline.js';
import { errText, type GitCtx, type GitTarget } from './context.js';
import { taskBranch } from '../../run/spec.js';
import { decidePush } from './scope.js';
import { runService } from './service.js';

/** How a push ended, for metrics and logs, and the receive-pack reply for the client. */
export interface PushOutcome {
  outcome: 'ok' | 'refused' | 'rejected' | 'upstream_failed';
  reply: Buffer;
  detail?: string;
}

/**
 * One push of an agent: the commands are checked against the branch scope ({@link decidePush})
 * before anything runs; an allowed push goes to the mirror through `git receive-pack` (deletes
 * and, unless `allowForcePush`, non-fast-forwards denied there too); a changed task branch is
 * then pushed to the forge with a lease on the mirror's previous value, and only when the forge
 * took it does the client see receive-pack's success. If the forge refuses, the mirror's branch
 * is set back and the client sees `! [remote rejected] … (forge refused …)`.
 */
export async function handleReceivePack(ctx: GitCtx, t: GitTarget, body: Buffer): Promise<PushOutcome> {
  let request;
  try {
    request = parseReceiveRequest(body);
  } catch (err) {
    if (err instanceof PktLineError) throw new GatewayError(400, 'BadRequest', `not a git push request: ${err.message}`, { cause: err });
    throw err;
  }
  const decision = decidePush(t.task.name, request.commands);
  if (!decision.allowed) {
    return { outcome: 'refused', reply: receivePackReply({ capabilities: request.capabilities, refs: decision.refs, message: decision.message }), detail: request.commands.map((c) => c.ref).join(' ') };
  }
  const ref = decision.command.ref;
  return ctx.mirrors.withLock(t.dir, async () => {
    if (!(await ctx.mirrors.exists(t.dir))) {
      await ctx.mirrors.sync(t.dir, t.upstream).catch((err: unknown) => {
        throw new GatewayError(502, 'UpstreamUnreachable', `could not fetch ${t.upstream.url} (spec.repo.url of AgentTask ${t.task.namespace}/${t.task.name}) into the gateway's mirror: ${errText(err, t.upstream)}`, { cause: err });
      });
    }
    const before = await ctx.mirrors.refValue(t.dir, ref);
    const config = ['receive.denyDeletes=true', `receive.denyNonFastForwards=${ctx.deps.allowForcePush ? 'false' : 'true'}`, 'core.hooksPath=/dev/null'];
    const out = await runService({ service: 'receive-pack', dir: t.dir, home: ctx.mirrors.home, config }, body);
    const after = await ctx.mirrors.refValue(t.dir, ref);
    if (after !== decision.command.newOid || after === before) return { outcome: after === decision.command.newOid ? 'ok' : 'rejected', reply: out };
    const start = performance.now();
    try {
      await ctx.mirrors.pushUpstream(t.dir, t.upstream, { ref, newOid: after, expectOld: before });
      ctx.metrics.upstream.observe({ operation: 'push', outcome: 'ok' }, (performance.now() - start) / 1000);
      return { outcome: 'ok', reply: out };
    } catch (err) {
      ctx.metrics.upstream.observe({ operation: 'push', outcome: 'error' }, (performance.now() - start) / 1000);
      await ctx.mirrors.resetRef(t.dir, ref, { value: before, current: after });
      const why = errText(err, t.upstream);
      const stale = /stale info|fetch first|non-fast-forward/i.test(why);
      const error = stale
        ? `weft: ${taskBranch(t.task.name)} changed on the forge since you fetched; git pull --rebase and push again`
        : `weft: the forge refused the push of ${taskBranch(t.task.name)}; nothing was pushed`;
      return { outcome: 'upstream_failed', reply: receivePackReply({ capabilities: request.capabilities, refs: [{ ref, error }], message: `${error}\n${why}` }), detail: why };
    }
  });
}
