import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { PolicyStore } from '../policy/acl/index.js';
import type { Device } from '../policy/acl/types.js';
import { deviceByIp, isTailnetAddress, type MeshDevice, type MeshProvider } from '../mesh/provider.js';
import { clientIdentity } from '../pki/mtls.js';

export interface AclGuardOptions {
  provider: MeshProvider;
  store: PolicyStore;
  /** The operator's own tailnet device name: the destination of every control-plane write. */
  self: string;
  /** The port callers reach the API on, as the policy names it (e.g. tag:operator:8080). */
  port: number;
  log: Logger;
}

/** How the caller was identified, for logs and denials. */
export type CallerIdentity = { device: MeshDevice; via: 'mtls' | 'source-address' } | { device?: undefined; why: string };

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const toDevice = (d: MeshDevice): Device => ({ name: d.name, ips: d.ips, user: d.user || undefined, tags: d.tags });

/**
 * Identifies the caller of a request among the tailnet's devices: the verified mTLS client
 * certificate's common name (a device name), else the source address when it is a tailnet address.
 */
export function identifyCaller(req: FastifyRequest, devices: readonly MeshDevice[]): CallerIdentity {
  const socket = req.raw.socket as Partial<TLSSocket>;
  const cert = socket.authorized ? clientIdentity(socket.getPeerCertificate?.()) : undefined;
  if (cert) {
    const device = devices.find((d) => d.name === cert.commonName);
    if (device) return { device, via: 'mtls' };
    return { why: `client certificate CN "${cert.commonName}" names no tailnet device` };
  }
  const ip = req.ip ?? '';
  if (isTailnetAddress(ip)) {
    const device = deviceByIp(devices, ip);
    if (device) return { device, via: 'source-address' };
    return { why: `no tailnet device has address ${ip}` };
  }
  return { why: `request from ${ip || 'unknown address'} carries no tailnet identity: call through the tailnet or present a client certificate from the operator CA` };
}

/**
 * Authorizes every write to `/api/` (POST, PUT, PATCH, DELETE) with the Headscale ACL policy:
 * caller device → this operator's device on `port`. Deny → 403 `{error, message, reason, rule}`;
 * allow → logged with the rule that decided.
 */
export function registerAclGuard(app: FastifyInstance, o: AclGuardOptions): void {
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!WRITE.has(req.method) || !req.url.startsWith('/api/')) return;
    const deny = (reason: string, rule: string | null) =>
      reply.code(403).send({ error: 'Forbidden', statusCode: 403, message: `denied by the tailnet ACL policy: ${reason}`, reason, rule });
    let devices: MeshDevice[];
    try {
      devices = await o.provider.listDevices(); // once per request: caller and self come from the same list
    } catch (err) {
      return reply.code(503).send({ error: 'ServiceUnavailable', statusCode: 503, message: `cannot check the ACL policy: ${(err as Error).message}` });
    }
    const caller = identifyCaller(req, devices);
    const self = devices.find((d) => d.name === o.self);
    if (!caller.device) return deny(caller.why, null);
    if (!self) return deny(`this operator's device "${o.self}" is not in the tailnet (set --mesh-self)`, null);
    const decision = o.store.decide({ src: toDevice(caller.device), dst: toDevice(self), port: o.port, proto: 'tcp' });
    const entry = { caller: caller.device.name, via: caller.via, method: req.method, url: req.url, rule: decision.rule ?? null, reason: decision.reason };
    if (!decision.allowed) {
      o.log.warn({ ...entry, allowed: false }, 'ACL denied a control-plane write');
      return deny(decision.reason, decision.rule ?? null);
    }
    o.log.info({ ...entry, allowed: true }, 'ACL allowed a control-plane write');
  });
}
