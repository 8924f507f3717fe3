/**
 * npm run bench:forge — open-or-update a pull request on 50 branches against a local Gitea through
 * GiteaForge, next to the same loop through plain `curl` calls to the same REST endpoints in the
 * same run (the floor). Prints p50/p99 per call and requests per call for the open pass (each
 * call creates a pull request) and the update pass (each call retitles the existing one).
 * Goal (issue 14): GiteaForge ≤ 1.5× the curl floor. Bounded: fixed branch count, loopback only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { GiteaForge } from '../src/forge/gitea.js';
import { runGit } from '../src/forge/git.js';
import { LocalGitea } from '../src/forge/local/gitea.js';

const BRANCHES = Math.min(Number(process.env.BENCH_BRANCHES ?? 50), 200);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

interface Pass {
  latencies: number[];
  requests: number;
}

/** Pushes `n` branches `<prefix>-<i>`, each one commit ahead of main, in one push. */
async function pushBranches(forge: GiteaForge, repo: string, prefix: string, n: number): Promise<void> {
  const spec = await forge.cloneSpec(repo);
  const root = await mkdtemp(join(tmpdir(), 'weft-bench-forge-'));
  const env = { ...spec.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
  try {
    await runGit(['clone', '-q', spec.url, join(root, 'r')], { env });
    const cwd = join(root, 'r');
    const refspecs: string[] = [];
    for (let i = 0; i < n; i++) {
      await runGit(['commit', '-q', '--allow-empty', '-m', `${prefix} ${i}`], { cwd, env });
      refspecs.push(`HEAD:refs/heads/${prefix}-${i}`);
    }
    await runGit(['push', '-q', 'origin', ...refspecs], { cwd, env, timeoutMs: 300_000 });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function viaForge(forge: GiteaForge, repo: string, prefix: string, title: string): Promise<Pass> {
  const latencies: number[] = [];
  const before = forge.requests;
  for (let i = 0; i < BRANCHES; i++) {
    const t0 = performance.now();
    await forge.openOrUpdateChange(repo, { branch: `${prefix}-${i}`, base: 'main', title: `${title} ${i}` });
    latencies.push(performance.now() - t0);
  }
  return { latencies, requests: (forge.requests - before) / BRANCHES };
}

/** The same decisions as openOrUpdateChange, one `curl` process per request. */
async function viaCurl(o: { url: string; token: string; repo: string; prefix: string; title: string }): Promise<Pass> {
  const latencies: number[] = [];
  let requests = 0;
  const curl = async (method: string, path: string, body?: unknown) => {
    requests++;
    const args = ['-s', '-X', method, '-H', `Authorization: token ${o.token}`, '-H', 'Content-Type: application/json', '-w', '\n%{http_code}', `${o.url}/api/v1${path}`];
    if (body !== undefined) args.push('-d', JSON.stringify(body));
    const out = (await execa('curl', args)).stdout;
    const nl = out.lastIndexOf('\n');
    return { status: Number(out.slice(nl + 1)), json: JSON.parse(out.slice(0, nl) || 'null') as { number?: number; state?: string; title?: string } | null };
  };
  for (let i = 0; i < BRANCHES; i++) {
    const t0 = performance.now();
    const branch = `${o.prefix}-${i}`;
    const found = await curl('GET', `/repos/${o.repo}/pulls/main/${branch}`);
    const title = `${o.title} ${i}`;
    if (found.status === 404) await curl('POST', `/repos/${o.repo}/pulls`, { head: branch, base: 'main', title, body: '' });
    else if (found.json?.title !== title) await curl('PATCH', `/repos/${o.repo}/pulls/${found.json?.number}`, { title });
    latencies.push(performance.now() - t0);
  }
  return { latencies, requests: requests / BRANCHES };
}

function line(name: string, p: Pass): string {
  return `    ${name.padEnd(12)} p50 ${pct(p.latencies, 50).toFixed(1).padStart(6)} ms  p99 ${pct(p.latencies, 99).toFixed(1).padStart(6)} ms  ${p.requests.toFixed(2)} requests/call`;
}

async function main(): Promise<void> {
  const gitea = await LocalGitea.start({ onProgress: (s) => console.error(`[bench:forge] ${s}`) });
  const forge = new GiteaForge({ url: gitea.url, token: gitea.admin.token });
  try {
    const repo = await gitea.createRepo('bench');
    console.error(`[bench:forge] pushing ${2 * BRANCHES} branches`);
    await pushBranches(forge, repo, 'forge', BRANCHES);
    await pushBranches(forge, repo, 'curl', BRANCHES);
    await forge.defaultBranch(repo);
    const curlOpts = { url: gitea.url, token: gitea.admin.token, repo };
    // Alternate the two clients so that Gitea's state (PR count, caches) grows alike for both.
    const results: Record<string, { forge: Pass; curl: Pass }> = {};
    for (const [pass, title] of [['open', 'Open'], ['update', 'Update']] as const) {
      const f = await viaForge(forge, repo, 'forge', title);
      const c = await viaCurl({ ...curlOpts, prefix: 'curl', title });
      results[pass] = { forge: f, curl: c };
    }
    console.log(`bench:forge results (Gitea ${gitea.url}, ${BRANCHES} branches, sequential calls)`);
    for (const [pass, r] of Object.entries(results)) {
      const ratio = pct(r.forge.latencies, 50) / pct(r.curl.latencies, 50);
      console.log(`  ${pass} pass`);
      console.log(line('GiteaForge', r.forge));
      console.log(line('curl floor', r.curl));
      console.log(`    ratio p50    ${ratio.toFixed(2)}× the curl floor   [goal ≤ 1.5×]`);
    }
  } finally {
    await forge.close();
    await gitea.stop();
  }
}

await main();
