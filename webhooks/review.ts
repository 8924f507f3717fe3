/**
 * Admission decisions as plain functions of the AdmissionRequest and the policy inputs: the kind's
 * webhook module (`webhooks/<kind>.ts`) decides; this file turns its verdict or patch into an
 * AdmissionResponse. The HTTP/2 server in `server.ts` only transports them.
 */
import { webhookFor } from './index.js';
import type { AdmissionContext, AdmissionRequest, AdmissionResponse, KindWebhook } from './types.js';

export type { AdmissionContext, AdmissionRequest, AdmissionResponse } from './types.js';

/** The webhook that decides `req`: its kind's (or `only`, when the path names a kind), for a CREATE or UPDATE with an object. */
function hookFor(req: AdmissionRequest, only: KindWebhook | undefined): KindWebhook | undefined {
  const hook = only ?? webhookFor(req.kind.kind);
  if (!hook || hook.kind !== req.kind.kind || !req.object) return undefined;
  return req.operation === 'CREATE' || req.operation === 'UPDATE' ? hook : undefined;
}

const STARTING = { code: 503, reason: 'ServiceUnavailable', message: 'weft admission is starting (policy and usage caches not synced yet): retry in a few seconds' };

/**
 * Validates a CREATE or UPDATE of a Weft object with its kind's webhook (`only` restricts it to
 * one kind, as a per-kind path does). Denials name the field or the limit and say what to do.
 */
export function validateAdmission(req: AdmissionRequest, ctx: AdmissionContext, only?: KindWebhook): AdmissionResponse {
  const { uid } = req;
  const hook = hookFor(req, only);
  if (!hook) return { uid, allowed: true };
  if (ctx.ready && !ctx.ready()) return { uid, allowed: false, status: STARTING };
  const obj = req.object!;
  const base = req.name ?? obj.metadata?.name ?? '';
  const review = { kind: hook.kind, name: req.namespace ? `${req.namespace}/${base}` : base, req, ctx };
  const v = req.operation === 'UPDATE' && req.oldObject ? hook.validateUpdate(obj, req.oldObject, review) : hook.validateCreate(obj, review);
  if (!v.allowed) return { uid, allowed: false, status: { code: v.code, reason: v.reason, message: v.message } };
  return v.warnings?.length ? { uid, allowed: true, warnings: v.warnings } : { uid, allowed: true };
}

/**
 * Defaults a CREATE or UPDATE of a Weft object with its kind's defaulter (schema defaults, the org
 * label, kind-specific fields) as a JSON patch. Never denies.
 */
export function mutateAdmission(req: AdmissionRequest, only?: KindWebhook): AdmissionResponse {
  const { uid } = req;
  const hook = hookFor(req, only);
  if (!hook) return { uid, allowed: true };
  const patch = hook.default(req.object!, req);
  if (patch.length === 0) return { uid, allowed: true };
  return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
}
