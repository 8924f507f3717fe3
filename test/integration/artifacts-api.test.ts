/**
 * The operator's artifact and history API against a real kube-apiserver (TokenReview of projected
 * tokens with audience weft, SubjectAccessReview for downloads and history) and a real versitygw:
 * pods upload through the operator with `weft artifacts upload` (the store's keys never leave the
 * operator), downloads are RBAC-checked and streamed, and the history lists recorded runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { jobServiceAccountName } from '../../src/agents/gateway/identity.js';
import { historyArtifacts, recordRun, type ArtifactManifest, type ArtifactStore, type RunRecord } from '../../src/artifacts/index.js';
import { FilesystemArtifactStore } from '../../src/artifacts/filesystem.js';
import { LocalS3 } from '../../src/artifacts/local-s3.js';
import { main } from '../../src/cli/main.js';
import { RestClient } from '../../src/runtime/index.js';
import { buildHttpServer } from '../../src/server/http.js';
import { registerArtifactRoutes } from '../../src/server/artifacts/routes.js';
import { controlPlane, createNamespace, deleteNamespace, testLogger } from '../harness/index.js';
import { call, deleteClusterRbac, userWithRbac } from './dashboard-helpers.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('artifact API through the operator (real apiserver, versitygw)', () => {
  let admin: KubeConfig;
  let core: CoreV1Api;
  let ns: string;
  let s3: LocalS3;
  let store: ArtifactStore;
  let fsStore: FilesystemArtifactStore;
  let app: FastifyInstance;
  let base: string;
  let dir: string;
  let ws: string;
  const tokenFiles: Record<string, string> = {};
  const users: Record<string, { token: string; name: string }> = {};
  const big = Buffer.alloc(17 * MiB + 3, 0x5a); // above the 16 MiB multipart threshold

  async function podToken(job: string, audiences = ['weft']): Promise<string> {
    const sa = jobServiceAccountName(job);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } }).catch(() => undefined);
    const tr = await core.createNamespacedServiceAccountToken({ name: sa, namespace: ns, body: { spec: { audiences, expirationSeconds: 600 } } });
    return tr.status!.token!;
  }

  async function cli(args: string[]): Promise<{ code: number; manifest: ArtifactManifest; err: string }> {
    let out = '';
    let err = '';
    const code = await main(['node', 'weft', 'artifacts', 'upload', '--operator', base, ...args], { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, manifest: (out ? JSON.parse(out) : undefined) as ArtifactManifest, err };
  }

  beforeAll(async () => {
    admin = (await controlPlane()).kubeConfig();
    core = admin.makeApiClient(CoreV1Api);
    ns = await createNamespace(admin, 'artifacts');
    s3 = await LocalS3.start();
    store = s3.store();
    dir = await mkdtemp(join(tmpdir(), 'weft-artifacts-api-'));
    fsStore = new FilesystemArtifactStore(join(dir, 'fs-store'));
    app = await buildHttpServer({
      logger: testLogger(`artifacts-api ${ns}`),
      routes: (a) => registerArtifactRoutes(a, { rest: new RestClient(admin), storeFor: async (r) => (r.name === 'build-fs' ? fsStore : store), maxObjectBytes: 20 * MiB }),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    ws = join(dir, 'workspace');
    await mkdir(join(ws, 'reports'), { recursive: true });
    await writeFile(join(ws, 'reports', 'junit.xml'), '<testsuite name="unit" tests="3"/>');
    await writeFile(join(ws, 'big.bin'), big);
    await writeFile(join(ws, 'huge.bin'), Buffer.alloc(21 * MiB, 1));
    await writeFile(join(dir, 'secret.txt'), 'outside the workspace');
    await symlink(join(dir, 'secret.txt'), join(ws, 'reports', 'leak.xml'));
    for (const job of ['build-1', 'build-2', 'build-fs']) {
      tokenFiles[job] = join(dir, `${job}.token`);
      await writeFile(tokenFiles[job], await podToken(job));
    }
    const getJobs = [{ apiGroups: ['weft.dev'], resources: ['jobs'], verbs: ['get', 'list'] }];
    users.reader = await userWithRbac(admin, ns, 'art-reader', { namespaced: { [ns]: getJobs } });
    users.nobody = await userWithRbac(admin, ns, 'art-nobody');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (admin) await deleteClusterRbac(admin, Object.values(users).map((u) => u.name));
    if (ns) await deleteNamespace(admin, ns);
  });

  it('uploads through the operator, refusing a symlink out of the workspace and a traversal pattern; digests in the manifest and the bucket', async () => {
    const r = await cli(['--token-file', tokenFiles['build-1']!, '--dest', `${ns}/job/build-1/1`, '--workspace', ws, 'reports/*.xml', 'big.bin', '../secret.txt']);
    expect(r.code).toBe(1); // refusals fail the step, the manifest is printed anyway
    expect(r.manifest.artifacts.map((a) => [a.name, a.size, a.digest])).toEqual([
      ['big.bin', big.length, `sha256:${sha(big)}`],
      ['reports/junit.xml', 34, `sha256:${sha('<testsuite name="unit" tests="3"/>')}`],
    ]);
    expect(r.manifest.refused.map((x) => [x.reason, x.path])).toEqual([
      ['PathTraversal', '../secret.txt'],
      ['SymlinkOutOfWorkspace', 'reports/leak.xml'],
    ]);
    expect(r.err).toMatch(/refused: artifact "reports\/leak.xml" refused: it is a symlink/);
    const head = await store.head(`${ns}/job/build-1/1/big.bin`);
    expect([head.size, head.sha256]).toEqual([big.length, sha(big)]);
    expect(historyArtifacts(r.manifest).map((a) => a.key)).toEqual([`${ns}/job/build-1/1/big.bin`, `${ns}/job/build-1/1/reports/junit.xml`]);
    // a clean run exits 0
    const ok = await cli(['--token-file', tokenFiles['build-1']!, '--dest', `${ns}/job/build-1/2`, '--workspace', ws, 'reports/junit.xml']);
    expect([ok.code, ok.manifest.ok, ok.manifest.artifacts.length]).toEqual([0, true, 1]);
  });

  it("refuses another job's token, a token without audience weft, no token, and an object over the operator's limit", async () => {
    const other = await cli(['--token-file', tokenFiles['build-2']!, '--dest', `${ns}/job/build-1/3`, '--workspace', ws, 'reports/junit.xml']);
    expect(other.code).toBe(1);
    expect(other.manifest.error).toContain(`answered 403: the token of ServiceAccount ${ns}/weft-job-build-2 may not upload artifacts of job ${ns}/build-1 (only ${ns}/weft-job-build-1 may)`);
    const put = (token: string | undefined) =>
      fetch(`${base}/api/v1/artifacts/${ns}/job/build-1/3/x.txt`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-weft-sha256': sha('x'), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: 'x' });
    expect((await put(undefined)).status).toBe(401);
    const wrongAudience = await put(await podToken('build-1', []));
    expect(wrongAudience.status).toBe(401);
    expect(((await wrongAudience.json()) as { message: string }).message).toContain('audience "weft"');
    const huge = await cli(['--token-file', tokenFiles['build-1']!, '--dest', `${ns}/job/build-1/3`, '--workspace', ws, '--max-file-bytes', String(100 * MiB), 'huge.bin']);
    expect(huge.manifest.error).toContain(`answered 413: artifact "huge.bin": ${21 * MiB} bytes is over the operator's limit of ${20 * MiB} bytes per object`);
    // and the pod-side limit refuses before sending anything
    const small = await cli(['--token-file', tokenFiles['build-1']!, '--dest', `${ns}/job/build-1/3`, '--workspace', ws, '--max-file-bytes', '1000', 'huge.bin']);
    expect(small.manifest.refused.map((x) => x.reason)).toEqual(['TooLarge']);
    await expect(store.head(`${ns}/job/build-1/3/huge.bin`)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it.each([
    ['a single PUT', Buffer.from('small body')],
    ['a multipart upload', big],
  ])('refuses content whose sha256 differs from the declared one (%s) and stores nothing', async (_what, body) => {
    const token = await podToken('build-1');
    const res = await fetch(`${base}/api/v1/artifacts/${ns}/job/build-1/4/bad.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'x-weft-sha256': sha('something else') },
      body,
    });
    expect(res.status).toBe(400);
    const reply = (await res.json()) as { error: string; message: string };
    expect(reply.error).toBe('ContentMismatch');
    expect(reply.message).toContain(`x-weft-sha256 declared ${sha('something else')}`);
    await expect(store.head(`${ns}/job/build-1/4/bad.bin`)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('uploads to a filesystem store the same way, which verifies the digest itself', async () => {
    const r = await cli(['--token-file', tokenFiles['build-fs']!, '--dest', `${ns}/job/build-fs/1`, '--workspace', ws, 'reports/junit.xml', 'big.bin']);
    expect([r.code, r.manifest.artifacts.map((a) => a.name)]).toEqual([0, ['big.bin', 'reports/junit.xml']]);
    expect(sha(await readFile(join(dir, 'fs-store', ns, 'job', 'build-fs', '1', 'big.bin')))).toBe(sha(big));
    const bad = await fetch(`${base}/api/v1/artifacts/${ns}/job/build-fs/1/bad.txt`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await readFile(tokenFiles['build-fs']!, 'utf8')}`, 'content-type': 'application/octet-stream', 'x-weft-sha256': sha('other') },
      body: 'content',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('ContentMismatch');
    await expect(fsStore.head(`${ns}/job/build-fs/1/bad.txt`)).rejects.toMatchObject({ code: 'NotFound' });
    const got = await fetch(`${base}/api/v1/artifacts/${ns}/job/build-fs/1/reports/junit.xml`, { headers: { authorization: `Bearer ${users.reader!.token}` } });
    expect([got.status, await got.text()]).toEqual([200, '<testsuite name="unit" tests="3"/>']);
  });

  it('downloads through the operator with RBAC get on the job, streamed with its digest; 403 and 401 otherwise', async () => {
    const url = `${base}/api/v1/artifacts/${ns}/job/build-1/1/big.bin`;
    const ok = await fetch(url, { headers: { authorization: `Bearer ${users.reader!.token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-weft-sha256')).toBe(sha(big));
    expect(sha(Buffer.from(await ok.arrayBuffer()))).toBe(sha(big));
    const denied = await call(url, { token: users.nobody!.token });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain(`get jobs.weft.dev "build-1" in namespace "${ns}"`);
    expect((await call(url)).status).toBe(401);
    const missing = await call(`${base}/api/v1/artifacts/${ns}/job/build-1/1/nope.txt`, { token: users.reader!.token });
    expect(missing.status).toBe(404);
  });

  it("an agent task's transcript needs get agenttasks/transcript; its report get agenttasks", async () => {
    await store.put(`${ns}/agenttask/fix-1/1/transcript.jsonl`, Buffer.from('{"r":1}\n'), { size: 8 });
    await store.put(`${ns}/agenttask/fix-1/1/report.json`, Buffer.from('{}\n'), { size: 3 });
    const agents = await userWithRbac(admin, ns, 'art-agents', { namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['get'] }] } });
    const editors = await userWithRbac(admin, ns, 'art-transcripts', { namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks', 'agenttasks/transcript'], verbs: ['get'] }] } });
    users.agents = agents;
    users.transcripts = editors;
    const url = (f: string) => `${base}/api/v1/artifacts/${ns}/agenttask/fix-1/1/${f}`;
    expect((await call(url('report.json'), { token: agents.token })).status).toBe(200);
    const denied = await call(url('transcript.jsonl'), { token: agents.token });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('lacks the RBAC permission get agenttasks/transcript.weft.dev "fix-1"');
    expect(denied.body.message).toContain('--clusterrole=weft-editor'); // weft-viewer does not read transcripts
    const ok = await fetch(url('transcript.jsonl'), { headers: { authorization: `Bearer ${editors.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('{"r":1}\n');
  });

  it('lists the history newest first, by kind, paged; RBAC list on the kind; names a missing namespace', async () => {
    const run = (name: string, kind: string, finishedAt: string): RunRecord => ({
      namespace: ns, kind, name, attempt: 1, specDigest: 'sha256:00', outcome: 'Succeeded', startedAt: '2026-12-01T00:00:00Z', finishedAt, artifacts: [],
    });
    await recordRun(store, run('old', 'job', '2026-12-01T01:00:00Z'));
    await recordRun(store, run('new', 'job', '2026-12-01T03:00:00Z'));
    await recordRun(store, run('agent', 'agenttask', '2026-12-01T02:00:00Z'));
    const page1 = await call(`${base}/api/v1/history?namespace=${ns}&kind=job&limit=1`, { token: users.reader!.token });
    expect(page1.status).toBe(200);
    expect((page1.body.items as Array<{ name: string }>).map((e) => e.name)).toEqual(['new']);
    const page2 = await call(`${base}/api/v1/history?namespace=${ns}&kind=job&limit=1&cursor=${String(page1.body.next)}`, { token: users.reader!.token });
    expect((page2.body.items as Array<{ name: string }>).map((e) => e.name)).toEqual(['old']);
    const allKinds = await call(`${base}/api/v1/history?namespace=${ns}`, { token: users.reader!.token });
    expect(allKinds.status).toBe(403); // list agenttasks is missing
    expect(allKinds.body.message).toContain('list agenttasks.weft.dev');
    expect((await call(`${base}/api/v1/history?namespace=${ns}&kind=job`, { token: users.nobody!.token })).status).toBe(403);
    const noNs = await call(`${base}/api/v1/history?kind=job`, { token: users.reader!.token });
    expect(noNs.status).toBe(400);
    expect(noNs.body.message).toContain("must have required property 'namespace'");
  });
});
