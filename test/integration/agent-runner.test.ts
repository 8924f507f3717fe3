// The runner of an agent pod (`weft task-run`), run here as a process-free function against a
// real git repository (a bare repo standing in for the operator's git gateway): clone, driver,
// toolchain, commit, push, and the result it reports in the termination message.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runTask, type RunnerEnv } from '../../src/agents/run/runner.js';
import { decodeResult, type RunnerTaskSpec } from '../../src/agents/run/spec.js';

let dir: string;
let origin: string;

const git = (args: string[], cwd?: string) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-runner-'));
  origin = join(dir, 'origin.git');
  const seed = join(dir, 'seed');
  git(['init', '-q', '-b', 'main', seed]);
  await writeFile(join(seed, 'README.md'), 'hello\n');
  await writeFile(join(seed, 'check.sh'), 'grep -q fixed README.md || { echo "1 failed, 0 passed"; exit 1; }\necho "1 passed"\n');
  git(['add', '.'], seed);
  git(['commit', '-q', '-m', 'seed'], seed);
  git(['clone', '-q', '--bare', seed, origin]);
  await writeFile(join(dir, 'token'), 'not-a-secret\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function env(agent: RunnerTaskSpec['agent'], test: string[] = ['bash check.sh'], workspace = 'ws'): RunnerEnv & { lines: string[] } {
  const lines: string[] = [];
  return {
    spec: {
      task: { namespace: 'acme', name: 'fix' },
      attempt: 1,
      branch: 'weft/fix',
      repo: { url: 'http://forge.invalid/acme/app.git', baseBranch: 'main' },
      source: { inline: { title: 'Fix the README' } },
      agent,
      toolchain: { lint: [], test },
      mcp: [],
    },
    gitUrl: `file://${origin}`,
    gatewayUrl: 'http://127.0.0.1:9',
    tokenFile: join(dir, 'token'),
    workspace: join(dir, workspace),
    resultFile: join(dir, `${workspace}.result`),
    log: (l) => lines.push(l),
    lines,
  };
}

async function result(e: RunnerEnv) {
  return decodeResult(await readFile(e.resultFile, 'utf8'));
}

describe('weft task-run (the runner of an agent pod)', () => {
  it('scripted: writes, passes the tests, commits and pushes weft/<task>; reports pushed with the head', async () => {
    const e = env({ driver: 'scripted', steps: [{ write: { path: 'README.md', content: 'hello fixed\n' } }, { run: 'echo done > notes.txt' }] });
    expect(await runTask(e)).toBe(0);
    const r = await result(e);
    expect(r).toMatchObject({ result: 'pushed', branch: 'weft/fix', lastRun: { test: 'passed (1 command)' } });
    expect(git(['--git-dir', origin, 'rev-parse', 'refs/heads/weft/fix'])).toBe((r as { headSha: string }).headSha);
    expect(git(['--git-dir', origin, 'show', 'weft/fix:README.md'])).toBe('hello fixed');
    expect(git(['--git-dir', origin, 'log', '-1', '--format=%s', 'weft/fix'])).toBe('Fix the README');
    expect(e.lines.some((l) => l.includes('step 1/2: write README.md'))).toBe(true);
  });

  it('a failing test: checks-failed with the command, exit code and closing line; nothing pushed', async () => {
    const e = env({ driver: 'scripted', steps: [{ run: 'echo nope >> README.md' }] });
    expect(await runTask(e)).toBe(2);
    const r = await result(e);
    expect(r?.result).toBe('checks-failed');
    expect(r && 'diagnostics' in r ? r.diagnostics : '').toMatch(/test command `bash check.sh` failed \(exit code 1\)[\s\S]*1 failed, 0 passed/);
    expect(r && 'lastRun' in r ? r.lastRun?.test : '').toBe('bash check.sh: exit code 1 — 1 failed, 0 passed');
    expect(() => git(['--git-dir', origin, 'rev-parse', '--verify', '-q', 'refs/heads/weft/fix'])).toThrow();
  });

  it('no changes: reports no-changes (exit 0)', async () => {
    const e = env({ driver: 'scripted', steps: [{ run: 'true' }] }, []);
    expect(await runTask(e)).toBe(0);
    expect(await result(e)).toEqual({ result: 'no-changes', lastRun: {} });
  });

  it('a re-run continues the pushed branch rather than starting over', async () => {
    const first = env({ driver: 'scripted', steps: [{ write: { path: 'a.txt', content: 'a\n' } }] }, [], 'ws1');
    expect(await runTask(first)).toBe(0);
    const second = env({ driver: 'scripted', steps: [{ write: { path: 'b.txt', content: 'b\n' } }] }, [], 'ws2');
    expect(await runTask(second)).toBe(0);
    expect(git(['--git-dir', origin, 'ls-tree', '--name-only', 'weft/fix']).split('\n')).toEqual(expect.arrayContaining(['a.txt', 'b.txt']));
    expect(second.lines.some((l) => l.includes('continue weft/fix'))).toBe(true);
  });

  it('a write outside the repository is refused, naming the step', async () => {
    const e = env({ driver: 'scripted', steps: [{ write: { path: '../escape.txt', content: 'x' } }] });
    expect(await runTask(e)).toBe(2);
    const r = await result(e);
    expect(r && 'diagnostics' in r ? r.diagnostics : '').toContain('spec.agent.steps[0].write.path: path "../escape.txt" is outside the repository');
  });

  it('an unreachable git gateway is infra-failed at the clone step (exit 1)', async () => {
    const e = { ...env({ driver: 'scripted', steps: [{ run: 'true' }] }), gitUrl: `file://${join(dir, 'missing.git')}` };
    expect(await runTask(e)).toBe(1);
    expect(await result(e)).toMatchObject({ result: 'infra-failed', step: 'clone' });
  });

  it('the weft-agent driver with the LLM gateway down is infra-failed at the agent step', async () => {
    const e = env({ driver: 'weft-agent' }, []);
    expect(await runTask(e)).toBe(1);
    const r = await result(e);
    expect(r).toMatchObject({ result: 'infra-failed', step: 'agent' });
  });
});
