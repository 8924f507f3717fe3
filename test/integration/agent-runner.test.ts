// The runner of an agent pod (`weft task-run`), run here as a process-free function against a
// real git repository (a bare repo standing in for the operator's git gateway): clone, driver,
// toolchain, commit, push, and the result it reports in the termination message.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

const HOME = process.env.HOME;
afterEach(async () => {
  process.env.HOME = HOME; // the command driver writes its prompt and MCP config to $HOME (the pod's emptyDir)
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

  it('a Spec-Kit task: its box in tasks.md is checked off in the same commit (only that byte changes); not when the agent changed nothing', async () => {
    const tasks = '# Tasks\n\n## Phase 1: Setup\n\n- [ ] T001 Fix the README\n- [ ] T002 [P] Something else\n';
    const seed = join(dir, 'seed');
    await mkdir(join(seed, 'specs/001-x'), { recursive: true });
    await writeFile(join(seed, 'specs/001-x/tasks.md'), tasks);
    git(['add', '.'], seed);
    git(['commit', '-q', '-m', 'tasks'], seed);
    git(['push', '-q', origin, 'main'], seed);
    const sk = (agent: RunnerTaskSpec['agent'], ws: string) => {
      const e = env(agent, ['bash check.sh'], ws);
      e.spec.source = { specKit: { path: 'specs/001-x/tasks.md', taskId: 'T001' } };
      return e;
    };
    const e = sk({ driver: 'scripted', steps: [{ write: { path: 'README.md', content: 'hello fixed' } }] }, 'ws1');
    expect(await runTask(e)).toBe(0);
    expect(git(['--git-dir', origin, 'show', 'weft/fix:specs/001-x/tasks.md'])).toBe(tasks.replace('- [ ] T001', '- [X] T001').trim());
    expect(e.lines).toContain('tasks.md: T001 checked off in specs/001-x/tasks.md');
    // Nothing else changed: no commit of the checkbox alone.
    git(['--git-dir', origin, 'branch', '-D', 'weft/fix']);
    const idle = sk({ driver: 'scripted', steps: [{ run: 'true' }] }, 'ws2');
    idle.spec.toolchain.test = [];
    expect(await runTask(idle)).toBe(0);
    expect(await result(idle)).toMatchObject({ result: 'no-changes' });
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

  it('command driver: runs the agent CLI with the gateway URLs, the pod token as API key, the task text and an MCP config', async () => {
    const cli = [
      'test "$OPENAI_API_KEY" = not-a-secret && test "$ANTHROPIC_API_KEY" = not-a-secret',
      'cp "$WEFT_TASK_PROMPT_FILE" prompt.md',
      'cp "$WEFT_MCP_CONFIG" mcp.json',
      'echo fixed >> README.md',
    ].join(' && ');
    const e = env({ driver: 'command', command: ['bash', '-c', cli] });
    e.spec.mcp = ['spec-kit'];
    process.env.HOME = dir;
    expect(await runTask(e)).toBe(0);
    expect(await result(e)).toMatchObject({ result: 'pushed' });
    expect(git(['--git-dir', origin, 'show', 'weft/fix:prompt.md'])).toContain('# Task: Fix the README');
    // The MCP config names exactly the servers of spec.mcp, each `weft mcp <server>` on the clone.
    expect(JSON.parse(git(['--git-dir', origin, 'show', 'weft/fix:mcp.json']))).toEqual({
      mcpServers: { speckit: { command: 'node', args: ['/app/bin/weft.js', 'mcp', 'speckit', '--root', join(dir, 'ws', 'repo')] } },
    });
  });

  it('command driver: a failing agent CLI fails the attempt with its exit code and output', async () => {
    const e = env({ driver: 'command', command: ['bash', '-c', 'echo "model refused"; exit 7'] });
    process.env.HOME = dir;
    expect(await runTask(e)).toBe(2);
    const r = await result(e);
    expect(r && 'diagnostics' in r ? r.diagnostics : '').toMatch(/exited 7:[\s\S]*model refused/);
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
