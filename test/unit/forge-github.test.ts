import { GitHubForge } from '../../src/forge/github.js';
import { ForgeAuthError, ForgeNotFoundError } from '../../src/forge/errors.js';
import { FakeGitHub } from '../fakes/github/server.js';

// GitHub itself cannot be reached from here: the adapter runs its real HTTP path against the
// recorded fake (test/fakes/github/README.md).
describe('GitHubForge against the recorded GitHub fake', () => {
  let fake: FakeGitHub;
  let forge: GitHubForge;
  const repo = 'octo/demo';

  beforeAll(async () => {
    fake = await new FakeGitHub('ghp_test').start();
    fake.addRepo(repo);
    forge = new GitHubForge({ token: 'ghp_test', apiUrl: fake.url, webUrl: 'https://github.example.invalid' });
  });
  afterAll(async () => {
    await forge.close();
    await fake.stop();
  });

  it('opens a pull request once per branch and follows a new push', async () => {
    fake.push(repo, 'agent/a');
    const opened = await forge.openOrUpdateChange(repo, { branch: 'agent/a', title: 'A' });
    expect(opened).toMatchObject({ created: true, state: 'open', branch: 'agent/a', base: 'main' });
    const head = fake.push(repo, 'agent/a');
    const again = await forge.openOrUpdateChange(repo, { branch: 'agent/a', title: 'A2' });
    expect(again).toMatchObject({ created: false, id: opened.id, title: 'A2', headSha: head });
    const racing = await Promise.all([1, 2].map(() => forge.openOrUpdateChange(repo, { branch: 'agent/a', title: 'A2' })));
    expect(racing.map((c) => c.id)).toEqual([opened.id, opened.id]);
  });

  it('reads line comment threads linked by in_reply_to_id and replies in them', async () => {
    fake.push(repo, 'agent/r');
    const pr = await forge.openOrUpdateChange(repo, { branch: 'agent/r', title: 'R' });
    const root = fake.addReviewComment(repo, Number(pr.id), { user: 'octocat', path: 'src/x.ts', line: 7, body: 'Why?' });
    const threads = await forge.listReviewComments(repo, pr.id);
    expect(threads).toEqual([{ id: String(root), path: 'src/x.ts', line: 7, resolved: false, comments: [expect.objectContaining({ author: 'octocat', body: 'Why?' })] }]);
    await forge.reply(repo, pr.id, { threadId: String(root), body: 'Because.' });
    const after = await forge.listReviewComments(repo, pr.id);
    expect(after[0]!.comments.map((c) => c.body)).toEqual(['Why?', 'Because.']);
    await forge.comment(repo, pr.id, 'Done');
    expect((await forge.listReviewComments(repo, pr.id)).at(-1)).toMatchObject({ id: 'conversation', comments: [expect.objectContaining({ body: 'Done' })] });
  });

  it('sets statuses, reads approvals, merged and closed', async () => {
    const sha = fake.push(repo, 'agent/s');
    const pr = await forge.openOrUpdateChange(repo, { branch: 'agent/s', title: 'S' });
    await forge.setCommitStatus(repo, { sha, context: 'weft/ci', state: 'failure', description: '1 failed' });
    fake.addReview(repo, Number(pr.id), 'octocat', 'APPROVED');
    expect(await forge.getChange(repo, pr.id)).toMatchObject({ checks: [{ context: 'weft/ci', state: 'failure', description: '1 failed' }], approvedBy: ['octocat'], mergeable: true });
    fake.setPullState(repo, Number(pr.id), 'merged');
    expect((await forge.getChange(repo, pr.id)).state).toBe('merged');
    fake.push(repo, 'agent/c');
    const c = await forge.openOrUpdateChange(repo, { branch: 'agent/c', title: 'C' });
    fake.setPullState(repo, Number(c.id), 'closed');
    expect((await forge.getChange(repo, c.id)).state).toBe('closed');
  });

  it('creates branches through git refs; clone URL carries no token', async () => {
    const made = await forge.ensureBranch(repo, { branch: 'agent/new' });
    expect(made.created).toBe(true);
    expect((await forge.ensureBranch(repo, { branch: 'agent/new' })).created).toBe(false);
    const spec = await forge.cloneSpec(repo);
    expect(spec.url).toBe('https://github.example.invalid/octo/demo.git');
    expect(JSON.stringify(spec)).not.toContain('ghp_test"');
    expect(spec.env.GIT_CONFIG_KEY_0).toBe('http.https://github.example.invalid/.extraHeader');
  });

  it('maps 401 and 404 to typed errors naming the repository and the fix', async () => {
    const bad = new GitHubForge({ token: 'wrong', apiUrl: fake.url });
    await expect(bad.getChange(repo, '1')).rejects.toThrow(ForgeAuthError);
    await expect(bad.getChange(repo, '1')).rejects.toThrow(/octo\/demo.*Bad credentials.*Secret/);
    await bad.close();
    await expect(forge.getChange('octo/missing', '1')).rejects.toThrow(ForgeNotFoundError);
    await expect(forge.getChange('octo/missing', '1')).rejects.toThrow(/octo\/missing/);
  });
});
