import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForgeAuthError, ForgeNotFoundError, ForgeUnsupportedError } from '../../src/forge/errors.js';
import { LocalRadicle } from '../../src/forge/local/radicle.js';
import { RadicleForge } from '../../src/forge/radicle.js';
import { withLogTail, workingCopy, type WorkingCopy } from './forge-helpers.js';

// Real rad, radicle-node and git-remote-rad (built by `hack/build-tools.sh rad`; LocalRadicle.start
// fails with that command when they are missing). A node runs on loopback only; the CLI writes
// patches, comments and reviews to the local storage.
const SEED = 'a1'.repeat(32);
let rad: LocalRadicle;
let forge: RadicleForge;
let rid: string;
let wc: WorkingCopy;
const NO_SYNC = ['no-sync'];
const it_ = (name: string, fn: () => Promise<void>) => it(name, withLogTail(() => rad?.nodeLogTail() ?? '', fn));

beforeAll(async () => {
  rad = await LocalRadicle.start({ seed: SEED, node: true });
  const made = await rad.createRepo('demo');
  rid = made.rid;
  wc = workingCopy(made.workdir, rad.env(), made.workdir, rid);
  forge = new RadicleForge(rad.forgeOptions());
}, 120_000);

afterAll(async () => {
  await rad?.stop();
});

describe('Radicle ForgeProvider against real rad and git-remote-rad', () => {
  it_('derives the identity from RAD_KEYGEN_SEED and keeps the node on loopback with no seeds', async () => {
    expect(rad.did).toMatch(/^did:key:z6Mk/);
    const cfg = JSON.parse(await readFile(join(rad.radHome, 'config.json'), 'utf8')) as { preferredSeeds: unknown[]; node: { listen: string[]; connect: unknown[] } };
    expect(cfg.preferredSeeds).toEqual([]);
    expect(cfg.node.connect).toEqual([]);
    expect(cfg.node.listen).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
    // The same seed gives the same DID.
    const twin = await LocalRadicle.start({ seed: SEED });
    try {
      expect(twin.did).toBe(rad.did);
    } finally {
      await twin.stop();
    }
  });

  it_('opens a patch for a branch, revises it on a new push, and stays one patch', async () => {
    const first = await wc.commitAndPush({ branch: 'agent/feature', files: { 'src/a.ts': 'export const a = 1;\n' }, remote: 'rad', pushOptions: NO_SYNC });
    const opened = await forge.openOrUpdateChange(rid, { branch: 'agent/feature', title: 'Add a', body: 'First try' });
    expect(opened).toMatchObject({ created: true, state: 'open', branch: 'agent/feature', base: 'main', headSha: first, title: 'Add a' });
    expect(await forge.openOrUpdateChange(rid, { branch: 'agent/feature', title: 'Add a' })).toMatchObject({ created: false, id: opened.id, headSha: first });

    const second = await wc.commitAndPush({ branch: 'agent/feature', files: { 'src/a.ts': 'export const a = 2;\n' }, remote: 'rad', pushOptions: NO_SYNC });
    const revised = await forge.openOrUpdateChange(rid, { branch: 'agent/feature', title: 'Add a' });
    expect(revised).toMatchObject({ created: false, id: opened.id, headSha: second });
    expect((await forge.getChange(rid, opened.id)).headSha).toBe(second);
  });

  it_('comments, replies, reads a line comment of a review, and sees the accept verdict', async () => {
    const sha = await wc.commitAndPush({ branch: 'agent/review', files: { 'src/review.ts': 'const x = 1;\nconst y = 2;\n' }, remote: 'rad', pushOptions: NO_SYNC });
    const patch = await forge.openOrUpdateChange(rid, { branch: 'agent/review', title: 'Review me' });
    const top = await forge.comment(rid, patch.id, 'Please look at y');
    let threads = await forge.listReviewComments(rid, patch.id);
    const thread = threads.find((t) => t.comments.some((c) => c.id === top.id));
    expect(thread).toBeDefined();
    await forge.reply(rid, patch.id, { threadId: thread!.id, body: 'Looked: fine' });

    // A review that accepts, with a line comment (the CLI has no line comments: a raw COB action).
    await rad.rad(['patch', 'review', patch.id, '--accept', '--repo', rid, '--no-announce', '-m', 'LGTM']);
    const reviewId = Object.values((await rad.cobShow(rid, patch.id)).revisions).flatMap((r) => Object.values(r?.reviews ?? {}))[0]!.id;
    const dir = await mkdtemp(join(tmpdir(), 'weft-rad-test-'));
    const location = { commit: sha, path: 'src/review.ts', old: null, new: { type: 'lines', range: { start: 2, end: 3 } } };
    await writeFile(join(dir, 'a.jsonl'), `${JSON.stringify({ type: 'review.comment', review: reviewId, body: 'Rename y', location })}\n`);
    await rad.rad(['cob', 'update', '--repo', rid, '--type', 'xyz.radicle.patch', '--object', patch.id, '--message', 'line comment', join(dir, 'a.jsonl')]);
    await rm(dir, { recursive: true, force: true });

    threads = await forge.listReviewComments(rid, patch.id);
    expect(threads.find((t) => t.id === thread!.id)?.comments.map((c) => c.body)).toEqual(['Please look at y', 'Looked: fine']);
    const line = threads.find((t) => t.path === 'src/review.ts');
    expect(line).toMatchObject({ path: 'src/review.ts', line: 2, resolved: false });
    expect(line!.comments[0]).toMatchObject({ author: rad.did, body: 'Rename y' });
    await forge.reply(rid, patch.id, { threadId: line!.id, body: 'Renamed' });
    expect((await forge.listReviewComments(rid, patch.id)).find((t) => t.id === line!.id)?.comments.map((c) => c.body)).toEqual(['Rename y', 'Renamed']);
    expect((await forge.getChange(rid, patch.id)).approvedBy).toEqual([rad.did]);
    // A hidden marker on the first line survives (rad cuts a message at a line starting with "<!--").
    const marked = await forge.comment(rid, patch.id, '<!-- weft:uid:summary:1 -->\n**Weft agent**: done');
    const stored = (await forge.listReviewComments(rid, patch.id)).flatMap((t) => t.comments).find((c) => c.id === marked.id);
    expect(stored?.body).toBe('<!-- weft:uid:summary:1 -->\n**Weft agent**: done');
  });

  it_('detects merged (the patch head pushed to main) and closed (archived) patches', async () => {
    await wc.git(['checkout', '-q', 'main']);
    const sha = await wc.commitAndPush({ branch: 'agent/merge', files: { 'merge.txt': 'merge me\n' }, remote: 'rad', pushOptions: NO_SYNC });
    const patch = await forge.openOrUpdateChange(rid, { branch: 'agent/merge', title: 'Merge me' });
    await wc.git(['push', '-q', '-o', 'no-sync', 'rad', `${sha}:refs/heads/main`]);
    expect((await forge.getChange(rid, patch.id)).state).toBe('merged');

    await wc.commitAndPush({ branch: 'agent/close', files: { 'close.txt': 'close me\n' }, remote: 'rad', pushOptions: NO_SYNC });
    const doomed = await forge.openOrUpdateChange(rid, { branch: 'agent/close', title: 'Close me' });
    await rad.rad(['patch', 'archive', doomed.id, '--repo', rid, '--no-announce']);
    expect((await forge.getChange(rid, doomed.id)).state).toBe('closed');
  });

  it_('names the repository and the fix for a bad id, a missing branch, a wrong key passphrase', async () => {
    await expect(forge.getChange('not-a-rid', 'x')).rejects.toThrow(/not a repository id.*rad ls/);
    const missing = forge.openOrUpdateChange(rid, { branch: 'agent/never-pushed', title: 'x' });
    await expect(missing).rejects.toBeInstanceOf(ForgeNotFoundError);
    await expect(missing).rejects.toThrow(/agent\/never-pushed.*git push rad agent\/never-pushed/);
    await expect(forge.getChange('rad:z3gqcJUoA1n9HaHKufZs5FCSGazv5', 'ab'.repeat(20))).rejects.toThrow(ForgeNotFoundError);
    const patch = await forge.openOrUpdateChange(rid, { branch: 'agent/feature', title: 'Add a' });
    const wrongKey = new RadicleForge({ ...rad.forgeOptions(), passphrase: 'wrong' });
    await expect(wrongKey.comment(rid, patch.id, 'hi')).rejects.toBeInstanceOf(ForgeAuthError);
    await expect(forge.setCommitStatus(rid)).rejects.toBeInstanceOf(ForgeUnsupportedError);
  });
});
