import type { Job } from '../../api/job/types.js';
import { checkParams } from '../params.js';
import { JOB_CONTAINER } from '../pod.js';
import { TEMPLATES, templateFor } from './index.js';

const job: Job = { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', labels: { team: 'docs' } }, spec: { org: 'acme', template: 'ci-runner' } };

describe.each([...TEMPLATES.values()].map((t) => [t.name, t] as const))('template %s', (_name, t) => {
  it('its example params are valid and its pod is least-privileged, with the job container and the post-step hook', () => {
    const checked = checkParams(t, t.example);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const pod = t.buildPod({ job, params: checked.params });
    expect(pod.metadata?.labels).toMatchObject({ team: 'docs', 'weft.dev/job': 'j' });
    const spec = pod.spec!;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    const c = spec.containers.find((x) => x.name === JOB_CONTAINER)!;
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.terminationMessagePolicy).toBe('File');
    expect(c.volumeMounts?.map((m) => m.mountPath).sort()).toEqual(['/tmp', '/workspace']);
    expect(c.command?.[2]).toMatch(/WEFT_POST_STEP:-.*\n.*exit \$code$/s);
    expect(c.image).toBe(checked.params.image);
  });

  it('documents every parameter and requires repo', () => {
    for (const p of Object.values(t.params.properties)) expect(p.description.length).toBeGreaterThan(10);
    expect(checkParams(t, {})).toMatchObject({ ok: false, errors: expect.arrayContaining([expect.objectContaining({ field: 'spec.params.repo' })]) });
  });
});

describe('docops', () => {
  it('passes path, format and output to the pod; refuses a format pandoc is not asked for', () => {
    const t = templateFor('docops')!;
    const checked = checkParams(t, { repo: 'http://g/a/b.git', path: 'README.md', format: 'epub' });
    if (!checked.ok) throw new Error('invalid');
    const env = Object.fromEntries(t.buildPod({ job, params: checked.params }).spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ WEFT_PATH: 'README.md', WEFT_FORMAT: 'epub', WEFT_OUTPUT: 'site', WEFT_REF: 'main' });
    expect(checkParams(t, { repo: 'http://g/a/b.git', format: 'pdf' })).toMatchObject({ ok: false, errors: [{ field: 'spec.params.format', message: expect.stringContaining('"html", "docx", "epub"') }] });
  });
});

describe('ml-batch', () => {
  it('passes the script, its arguments and the metrics file; no bytecode writes on the read-only root', () => {
    const t = templateFor('ml-batch')!;
    const checked = checkParams(t, { repo: 'http://g/a/b.git', script: 'ml/train.py', args: '--trees 10' });
    if (!checked.ok) throw new Error('invalid');
    const env = Object.fromEntries(t.buildPod({ job, params: checked.params }).spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ WEFT_SCRIPT: 'ml/train.py', WEFT_ARGS: '--trees 10', WEFT_METRICS: 'metrics.json', PYTHONDONTWRITEBYTECODE: '1' });
    expect(checkParams(t, { repo: 'http://g/a/b.git', script: '/etc/x.py' })).toMatchObject({ ok: false, errors: [{ field: 'spec.params.script' }] });
  });
});
