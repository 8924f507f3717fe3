import type { Workload } from '../../src/api/workload/types.js';
import { buildPod, controllerOwner, workloadKeyOfPod } from './pod.js';

/**
 * Owned Workloads (docs/scheduling.md): an AgentTask or Job creates a Workload with a controller
 * ownerReference and supplies the whole pod template; the Workload controller only pins the node,
 * labels the pod and puts the requests on the main container.
 */
describe('buildPod for an owned Workload', () => {
  const owned: Workload = {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: {
      name: 'fix-bug-42-run',
      namespace: 'team',
      uid: 'u-9',
      ownerReferences: [{ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', name: 'fix-bug-42', uid: 'at-1', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      org: 'acme',
      mainContainer: 'agent',
      resources: { cpu: '2', memory: '4Gi' },
      template: {
        metadata: { labels: { 'weft.dev/agenttask': 'fix-bug-42' } },
        spec: {
          serviceAccountName: 'agent-fix-bug-42',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          volumes: [{ name: 'work', emptyDir: {} }, { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'weft-gateway' } }] } }],
          initContainers: [{ name: 'clone', image: 'weft/git' }],
          containers: [
            { name: 'gateway-proxy', image: 'weft/proxy', resources: { requests: { cpu: '50m', memory: '32Mi' } } },
            { name: 'agent', image: 'weft/agent', volumeMounts: [{ name: 'work', mountPath: '/work' }], securityContext: { allowPrivilegeEscalation: false } },
          ],
        },
      },
    },
  };

  it('keeps what the owner supplied: containers, service account, volumes, security contexts', () => {
    const p = buildPod(owned, 'team/hub', 'n1', 1);
    expect(p.spec).toMatchObject({
      nodeName: 'n1',
      restartPolicy: 'Never',
      serviceAccountName: 'agent-fix-bug-42',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000 },
      volumes: owned.spec.template.spec!.volumes,
      initContainers: [{ name: 'clone', image: 'weft/git' }],
    });
    expect(p.spec!.containers.map((c) => c.name)).toEqual(['gateway-proxy', 'agent']);
    expect(p.spec!.containers[1]!.securityContext).toEqual({ allowPrivilegeEscalation: false });
  });

  it('puts the requests on the main container, not on the sidecar first in the list', () => {
    const [proxy, agent] = buildPod(owned, 'team/hub', 'n1', 1).spec!.containers;
    expect(agent!.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' } });
    expect(proxy!.resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' } });
  });

  it('labels the pod with its Workload and its owner, so both can find it', () => {
    const p = buildPod(owned, 'team/hub', 'n1', 2);
    expect(p.metadata?.labels).toMatchObject({ 'weft.dev/agenttask': 'fix-bug-42', 'weft.dev/workload': 'fix-bug-42-run', 'weft.dev/workload-uid': 'u-9', 'weft.dev/owner-kind': 'AgentTask', 'weft.dev/owner-name': 'fix-bug-42' });
    expect(p.metadata?.name).toBe('fix-bug-42-run-2');
    expect(workloadKeyOfPod(p)).toBe('team/fix-bug-42-run');
    expect(controllerOwner(owned)?.kind).toBe('AgentTask');
  });

  it('a Workload without an owner gets no owner labels; without mainContainer the first container gets the requests', () => {
    const plain: Workload = { ...owned, metadata: { ...owned.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'c' }] }, spec: { ...owned.spec, mainContainer: undefined } };
    const p = buildPod(plain, 'team/hub', 'n1', 1);
    expect(Object.keys(p.metadata!.labels!)).not.toContain('weft.dev/owner-kind');
    expect(p.spec!.containers[0]!.resources?.requests).toEqual({ cpu: '50m', memory: '32Mi' });
    expect(p.spec!.containers[1]!.resources).toBeUndefined();
  });

  it('a mainContainer that the template lacks gets nothing (the target apiserver reports the template)', () => {
    const p = buildPod({ ...owned, spec: { ...owned.spec, mainContainer: 'missing' } }, 'team/hub', 'n1', 1);
    expect(p.spec!.containers[1]!.resources).toBeUndefined();
  });
});
