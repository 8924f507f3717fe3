import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Job } from '../api/job/types.js';
import { jobPodTemplate, POST_STEP_ENV } from './pod.js';
import { ARTIFACT_TOKEN_DIR, SAFE_GLOB, uploadScript, withArtifactUpload } from './artifacts.js';

const job = (paths?: string[]): Job => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'build', namespace: 'team', uid: 'u1' }, spec: { org: 'acme', template: 'ci-runner', ...(paths ? { artifacts: { paths } } : {}) } }) as Job;

describe('Job artifacts: the pod side', () => {
  it('adds the ServiceAccount, the projected token (audience weft) and the post step only when paths are declared', () => {
    const pod = jobPodTemplate({ job: job(), image: 'i', script: 'true', env: [] });
    expect(withArtifactUpload(pod, job(), 1, 'http://op:8080')).toBe(pod);
    // spec.artifacts with no paths still archives the log.
    expect(withArtifactUpload(pod, job([]), 1, 'http://op:8080').spec!.containers[0]!.env).toContainEqual({ name: 'WEFT_LOG_ARCHIVE', value: '/tmp/weft-job.log' });
    const up = withArtifactUpload(pod, job(['reports/**/*.xml']), 2, 'http://op:8080');
    expect(up.spec).toMatchObject({ serviceAccountName: 'weft-job-build', automountServiceAccountToken: false });
    expect(up.spec!.volumes).toContainEqual({ name: 'weft-token', projected: { sources: [{ serviceAccountToken: { audience: 'weft', expirationSeconds: 600, path: 'token' } }] } });
    const c = up.spec!.containers[0]!;
    expect(c.volumeMounts).toContainEqual({ name: 'weft-token', mountPath: ARTIFACT_TOKEN_DIR, readOnly: true });
    expect(c.env?.find((e) => e.name === POST_STEP_ENV)?.value).toContain("url='http://op:8080/api/v1/artifacts/team/job/build/2'");
  });

  it('safe globs only (the webhook refuses the others)', () => {
    expect(['reports/**/*.xml', 'dist/*.tgz', 'a?.txt'].every((p) => SAFE_GLOB.test(p))).toBe(true);
    expect(['$(rm -rf /)', 'a b', "x'y", 'a;b'].some((p) => SAFE_GLOB.test(p))).toBe(false);
  });

  describe('the upload script (bash + curl) against a local operator', () => {
    let server: Server;
    let dir: string;
    const got: Array<{ url: string; auth?: string; sha?: string; body: string }> = [];
    let failPaths = new Set<string>();
    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          got.push({ url: req.url!, auth: req.headers.authorization, sha: req.headers['x-weft-sha256'] as string, body });
          if ([...failPaths].some((p) => req.url!.endsWith(p))) res.writeHead(503).end('{"message":"store unreachable"}');
          else res.writeHead(201).end('{}');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise((r) => server.close(r)));
    beforeEach(async () => {
      got.length = 0;
      failPaths = new Set();
      dir = await mkdtemp(join(tmpdir(), 'weft-upload-'));
      await mkdir(join(dir, 'ws/reports/unit'), { recursive: true });
      await mkdir(join(dir, 'tok'));
      await writeFile(join(dir, 'tok/token'), 'pod-token\n');
      await writeFile(join(dir, 'ws/reports/unit/junit.xml'), '<testsuite/>');
      await writeFile(join(dir, 'ws/reports/top.xml'), '<x/>');
      await writeFile(join(dir, 'ws/reports/bad name.xml'), 'x');
      await writeFile(join(dir, 'outside.xml'), 'secret');
      await symlink(join(dir, 'outside.xml'), join(dir, 'ws/reports/link.xml'));
      await writeFile(join(dir, 'term'), '{"stage":"done","summary":"ok"}');
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    const run = () =>
      execa('bash', ['-c', uploadScript({ operatorUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dest: 'team/job/build/1', paths: ['reports/**/*.xml', 'missing/*.tgz'], workspace: join(dir, 'ws'), tokenDir: join(dir, 'tok'), terminationLog: join(dir, 'term') })], { reject: false });

    it('uploads each matching file with the token and its sha256; skips symlinks and unsafe names; the summary is left alone', async () => {
      const r = await run();
      expect(r.exitCode).toBe(0);
      expect(got.map((g) => g.url).sort()).toEqual(['/api/v1/artifacts/team/job/build/1/reports/top.xml', '/api/v1/artifacts/team/job/build/1/reports/unit/junit.xml']);
      const junit = got.find((g) => g.url.endsWith('junit.xml'))!;
      expect(junit).toMatchObject({ auth: 'Bearer pod-token', sha: createHash('sha256').update('<testsuite/>').digest('hex'), body: '<testsuite/>' });
      expect(r.stderr).toContain('weft: artifacts uploaded 2, failed 0, skipped 1');
      expect(await readFile(join(dir, 'term'), 'utf8')).toBe('{"stage":"done","summary":"ok"}');
    });

    it('the log archive goes up as weft-logs/job.log', async () => {
      await writeFile(join(dir, 'job.log'), 'npm test\n2 passed\n');
      const r = await execa('bash', ['-c', uploadScript({ operatorUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dest: 'team/job/build/1', paths: [], workspace: join(dir, 'ws'), tokenDir: join(dir, 'tok'), terminationLog: join(dir, 'term'), log: join(dir, 'job.log') })], { reject: false });
      expect(r.exitCode).toBe(0);
      expect(got).toEqual([expect.objectContaining({ url: '/api/v1/artifacts/team/job/build/1/weft-logs/job.log', body: 'npm test\n2 passed\n' })]);
    });

    it('a refused upload exits 1 and adds artifactsError to the summary JSON', async () => {
      failPaths = new Set(['top.xml']);
      const r = await run();
      expect(r.exitCode).toBe(1);
      const term = JSON.parse(await readFile(join(dir, 'term'), 'utf8')) as { summary: string; artifactsError: string };
      expect(term.summary).toBe('ok');
      expect(term.artifactsError).toMatch(/^1 upload\(s\) failed: reports\/top.xml: HTTP 503 \{message:store unreachable\}/);
    });
  });
});
