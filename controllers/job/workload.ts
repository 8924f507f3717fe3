/**
 * A Job's owned Workload per attempt, by the contract of docs/scheduling.md ("Owned Workloads"):
 * controller ownerReference, org, resources and placement copied from the Job, the template's whole
 * pod as `spec.template`, and `spec.mainContainer` naming the job container.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Job } from '../../src/api/job/types.js';
import { POD_LABELS } from '../../src/api/labels.js';
import { newWorkload } from '../../src/api/workload/index.js';
import type { Workload } from '../../src/api/workload/types.js';
import { JOB_CONTAINER, type JobTemplate } from '../../src/jobs/index.js';

/** Holds a Job until its Workloads are deleted (the local clusters run no garbage collector). */
export const JOB_FINALIZER = 'weft.dev/job-cleanup';

/** The Workload of attempt `attempt` (1-based): a new name per attempt. */
export function workloadName(job: Job, attempt: number): string {
  return `${job.metadata.name!.slice(0, 230)}-${attempt}`;
}

/** Is the Workload controlled by this Job (by uid)? */
export function ownedBy(job: Job, wl: Workload): boolean {
  return (wl.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'Job' && r.uid === job.metadata.uid);
}

/** The Workload that runs attempt `attempt` of the Job with the template's pod. */
export function buildWorkload(job: Job, attempt: number, template: JobTemplate, params: Record<string, string>): Workload {
  const wl = newWorkload(
    {
      name: workloadName(job, attempt),
      namespace: job.metadata.namespace,
      labels: { ...(job.metadata.labels ?? {}), 'weft.dev/job': job.metadata.name!.slice(0, 63) },
    },
    {
      org: job.spec.org,
      template: template.buildPod({ job, params }),
      mainContainer: JOB_CONTAINER,
      ...(job.spec.resources ? { resources: job.spec.resources } : {}),
      ...(job.spec.placement ? { placement: job.spec.placement } : {}),
    },
  );
  wl.metadata!.ownerReferences = [{ apiVersion: 'weft.dev/v1alpha1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }];
  return wl;
}

/** Does the pod belong to this Job (the owner labels the Workload controller sets)? */
export function podOfJob(job: Job, pod: V1Pod): boolean {
  const l = pod.metadata?.labels ?? {};
  return l[POD_LABELS.ownerKind] === 'Job' && l[POD_LABELS.ownerName] === job.metadata.name!.slice(0, 63) && l[POD_LABELS.namespace] === job.metadata.namespace;
}
