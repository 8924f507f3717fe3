import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GiteaForge } from '../../src/forge/gitea.js';
import { ForgeAuthError, ForgeError, ForgeNotFoundError, ForgeUnreachableError } from '../../src/forge/errors.js';
import { LocalGitea } from '../../src/forge/local/gitea.js';
import { eventually } from '../harness/eventually.js';
import { cloneRepo, withLogTail, type WorkingCopy } from './forge-helpers.js';

// One real Gitea for this file (built by `hack/build-tools.sh gitea`; LocalGitea.start fails with
// that command when it is missing), a repository per concern.
let gitea: LocalGitea;
let forge: GiteaForge;
let repo: string;
let wc: WorkingCopy;
const it_ = (name: string, fn: () => Promise<void>, timeout?: number) => it(name, withLogTail(() => gitea?.logTail() ?? '', fn), timeout);

beforeAll(async () => {
  gitea = await LocalGitea.start();
  repo = await gitea.createRepo('demo');
  forge = new GiteaForge({ url: gitea.url, token: gitea.admin.token });
  wc = await cloneRepo(forge, repo);
}, 120_000);

afterAll(async () => {
  await wc?.remove();
  await forge?.close();
  await gitea?.stop();
});

type Pull = { number: number; head: { ref: string } };
const openPullsOf = async (branch: string) => (await gitea.api<Pull[]>('GET', `/repos/${repo}/pulls?state=open&limit=50`, gitea.admin.token)).filter((p) => p.head.ref === branch);

describe('Gitea ForgeProvider against a real Gitea', () => {
  it_('pushes a branch, opens a pull request, and a new push updates the same one', async () => {
    const first = await wc.commitAndPush({ branch: 'agent/feature', files: { 'src/a.ts': 'export const a = 1;\n' } });
    const opened = await forge.openOrUpdateChange(repo, { branch: 'agent/feature', title: 'Add a', body: 'First try' });
    expect(opened).toMatchObject({ created: true, state: 'open', branch: 'agent/feature', base: 'main', headSha: first });

    const second = await wc.commitAndPush({ branch: 'agent/feature', files: { 'src/a.ts': 'export const a = 2;\n' } });
    const again = await forge.openOrUpdateChange(repo, { branch: 'agent/feature', title: 'Add a (v2)' });
    expect(again).toMatchObject({ created: false, id: opened.id, title: 'Add a (v2)' });
    await eventually(async () => expect((await forge.getChange(repo, opened.id)).headSha).toBe(second), { description: 'the pull request head follows the push' });
    expect(await openPullsOf('agent/feature')).toHaveLength(1);
  });

  it_('a retry after a crash between push and open yields one pull request, also when calls race', async () => {
    // Given a run that pushed and crashed before opening
    await wc.commitAndPush({ branch: 'agent/crash', files: { 'crash.txt': 'pushed, then crashed\n' } });
    // When the retry opens it, and further retries (two of them at once) run the same step
    const retry = await forge.openOrUpdateChange(repo, { branch: 'agent/crash', title: 'Crash-safe' });
    const racing = await Promise.all([1, 2, 3].map(() => forge.openOrUpdateChange(repo, { branch: 'agent/crash', title: 'Crash-safe' })));
    // Then there is one pull request
    expect(retry.created).toBe(true);
    expect(new Set(racing.map((c) => c.id))).toEqual(new Set([retry.id]));
    expect(await openPullsOf('agent/crash')).toHaveLength(1);
  });

  it_('reads a review comment from the reviewer with file and line, replies in its thread, filters by time', async () => {
    const sha = await wc.commitAndPush({ branch: 'agent/review', files: { 'src/review.ts': 'const x = 1;\nconst y = 2;\nconst z = 3;\n' } });
    const pr = await forge.openOrUpdateChange(repo, { branch: 'agent/review', title: 'Review me' });
    await gitea.api('POST', `/repos/${repo}/pulls/${pr.id}/reviews`, gitea.reviewer.token, {
      event: 'COMMENT',
      body: 'A few things',
      commit_id: sha,
      comments: [{ path: 'src/review.ts', body: 'Rename y', new_position: 2 }],
    });
    const threads = await forge.listReviewComments(repo, pr.id);
    const line = threads.find((t) => t.path === 'src/review.ts');
    expect(line).toMatchObject({ path: 'src/review.ts', line: 2, resolved: false });
    expect(line!.comments[0]).toMatchObject({ author: 'reviewer', body: 'Rename y' });

    const before = new Date(Date.now() - 1000);
    await forge.reply(repo, pr.id, { threadId: line!.id, body: 'Renamed to total' });
    await forge.comment(repo, pr.id, 'Ready for another look');
    const after = await forge.listReviewComments(repo, pr.id, { since: before });
    const same = after.find((t) => t.id === line!.id);
    expect(same?.comments.map((c) => c.body)).toEqual(['Rename y', 'Renamed to total']);
    expect(after.find((t) => t.id === 'conversation')?.comments.map((c) => c.body)).toContain('Ready for another look');
    expect(await forge.listReviewComments(repo, pr.id, { since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it_('tells who may write: the owner and a write collaborator yes; a user without access or that does not exist no', async () => {
    expect(await forge.canWrite(repo, 'weft')).toBe(true);
    expect(await forge.canWrite(repo, 'reviewer')).toBe(true); // createRepo makes the reviewer a write collaborator
    expect(await forge.canWrite(repo, 'nobody-here')).toBe(false);
    await gitea.api('DELETE', `/repos/${repo}/collaborators/reviewer`, gitea.admin.token);
    try {
      expect(await forge.canWrite(repo, 'reviewer')).toBe(false);
    } finally {
      await gitea.api('PUT', `/repos/${repo}/collaborators/reviewer`, gitea.admin.token, { permission: 'write' });
    }
  });

  it_('sets a commit status and reads it back on the change', async () => {
    const sha = await wc.commitAndPush({ branch: 'agent/status', files: { 'status.txt': 'ci\n' } });
    const pr = await forge.openOrUpdateChange(repo, { branch: 'agent/status', title: 'Status' });
    await forge.setCommitStatus(repo, { sha, context: 'weft/tests', state: 'pending', description: 'running' });
    await forge.setCommitStatus(repo, { sha, context: 'weft/tests', state: 'success', description: '12 passed', targetUrl: 'http://127.0.0.1/ci/1' });
    const change = await forge.getChange(repo, pr.id);
    expect(change.checks).toEqual([{ context: 'weft/tests', state: 'success', description: '12 passed', targetUrl: 'http://127.0.0.1/ci/1' }]);
  });

  it_('detects approved, merged and closed changes; a closed branch gets a new pull request', async () => {
    await wc.commitAndPush({ branch: 'agent/merge', files: { 'merge.txt': 'merge me\n' } });
    const pr = await forge.openOrUpdateChange(repo, { branch: 'agent/merge', title: 'Merge me' });
    await eventually(async () => expect((await forge.getChange(repo, pr.id)).mergeable).toBe(true), { description: 'Gitea computes mergeability' });
    await gitea.api('POST', `/repos/${repo}/pulls/${pr.id}/reviews`, gitea.reviewer.token, { event: 'APPROVED', body: 'LGTM' });
    expect((await forge.getChange(repo, pr.id)).approvedBy).toEqual(['reviewer']);
    await gitea.api('POST', `/repos/${repo}/pulls/${pr.id}/merge`, gitea.admin.token, { Do: 'merge' });
    await eventually(async () => expect((await forge.getChange(repo, pr.id)).state).toBe('merged'));

    await wc.git(['checkout', '-q', 'main']);
    await wc.commitAndPush({ branch: 'agent/close', files: { 'close.txt': 'close me\n' } });
    const doomed = await forge.openOrUpdateChange(repo, { branch: 'agent/close', title: 'Close me' });
    await gitea.api('PATCH', `/repos/${repo}/pulls/${doomed.id}`, gitea.admin.token, { state: 'closed' });
    expect((await forge.getChange(repo, doomed.id)).state).toBe('closed');
    const reopened = await forge.openOrUpdateChange(repo, { branch: 'agent/close', title: 'Close me, take 2' });
    expect(reopened.created).toBe(true);
    expect(reopened.id).not.toBe(doomed.id);
  });

  it_('creates a branch on the forge (ensureBranch) once', async () => {
    const made = await forge.ensureBranch(repo, { branch: 'agent/empty' });
    expect(made.created).toBe(true);
    expect(await forge.ensureBranch(repo, { branch: 'agent/empty' })).toEqual({ sha: made.sha, created: false });
  });

  it_('keeps the token out of the clone URL and .git/config', async () => {
    const spec = await forge.cloneSpec(repo);
    expect(spec.url).toBe(`${gitea.url}/${repo}.git`);
    expect(spec.url).not.toContain(gitea.admin.token);
    expect(await readFile(join(wc.dir, '.git', 'config'), 'utf8')).not.toContain(gitea.admin.token);
  });

  it_('names the repository and the fix for a bad repository, a wrong token and a missing branch', async () => {
    const missing = forge.getChange('weft/no-such-repo', '1');
    await expect(missing).rejects.toBeInstanceOf(ForgeNotFoundError);
    await expect(missing).rejects.toThrow(/weft\/no-such-repo.*check the repository/);

    const wrong = new GiteaForge({ url: gitea.url, token: 'not-a-token' });
    const denied = wrong.openOrUpdateChange(repo, { branch: 'agent/feature', title: 'x' });
    await expect(denied).rejects.toBeInstanceOf(ForgeAuthError);
    await expect(denied).rejects.toThrow(/weft\/demo.*token was rejected.*Secret/);
    await expect(cloneRepo(wrong, repo)).rejects.toBeInstanceOf(ForgeAuthError);
    await wrong.close();

    const noBranch = forge.openOrUpdateChange(repo, { branch: 'agent/never-pushed', title: 'x' });
    await expect(noBranch).rejects.toBeInstanceOf(ForgeNotFoundError);
    await expect(noBranch).rejects.toThrow(/weft\/demo: branch "agent\/never-pushed" does not exist; push it first/);
    await expect(forge.getChange('not a repo', '1')).rejects.toThrow(/owner\/name/);
  });

  it_('a forge stopped mid-call gives a typed unreachable error naming the URL, then recovers', async () => {
    await wc.commitAndPush({ branch: 'agent/unreachable', files: { 'down.txt': 'the forge goes away\n' } });
    const pr = await forge.openOrUpdateChange(repo, { branch: 'agent/unreachable', title: 'Survives an outage' });
    // Calls in flight while the server goes away: each succeeds or fails with a typed forge error
    // (unreachable, or whatever Gitea answers while it shuts down, e.g. 401 once its database is closed).
    const calls = Array.from({ length: 20 }, () => forge.getChange(repo, pr.id).then(() => 'ok', (err: unknown) => err));
    await gitea.stopServer();
    for (const r of await Promise.all(calls)) if (r !== 'ok') expect(r).toBeInstanceOf(ForgeError);
    const down = await forge.getChange(repo, pr.id).catch((err: unknown) => err);
    expect(down).toBeInstanceOf(ForgeUnreachableError);
    expect((down as ForgeUnreachableError).url).toContain(gitea.url);
    expect((down as Error).message).toMatch(/unreachable at http:\/\/127\.0\.0\.1:\d+.*check that the forge runs/);

    await gitea.startServer();
    expect((await forge.getChange(repo, pr.id)).id).toBe(pr.id);
  }, 90_000);
});
