import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnosticsTarget } from '../test/harness/diagnostics.js';

export const WEFT = fileURLToPath(new URL('../bin/weft.js', import.meta.url));

/** Fails early, with the fix, when the CLI has not been built. */
export function requireBuild(): void {
  if (!existsSync(new URL('../dist/src/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm run test:e2e does) before the e2e tests');
  }
}

/** A running `weft` child process with its collected output. */
export interface WeftProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `re`; rejects if the process exits first or on timeout. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** The namespaces of `weft up` whose objects and Events a failed e2e test dumps. */
const WEFT_UP_NAMESPACES = ['weft-system', 'default', 'demo'];

/**
 * Starts `node bin/weft.js ...args` with its own environment. A failed test dumps its output tail
 * and, while it runs, the objects and Events of its cluster (the kubeconfig it prints); wrap the
 * test body in withDiagnostics (test/harness/diagnostics.ts) to take that before it is stopped.
 */
export function startWeft(args: string[], env: NodeJS.ProcessEnv): WeftProcess {
  const child = spawn(process.execPath, [WEFT, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const target = diagnosticsTarget(`weft ${args.join(' ')} (pid ${child.pid})`, () => (running() ? out.match(/kubeconfig\s+(\S+)/)?.[1] : undefined));
  for (const ns of WEFT_UP_NAMESPACES) target.namespaces.add(ns);
  target.logs.set('weft output', () => ({ lines: out.split('\n').slice(-200) }));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const tick = () => {
          const m = out.match(re);
          if (m) return resolve(m);
          if (child.exitCode !== null) return reject(new Error(`weft exited (${child.exitCode}) before ${re}:\n${out}`));
          if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${re}:\n${out}`));
          setTimeout(tick, 100);
        };
        tick();
      });
    },
  };
}

export { processesMentioning } from '../test/harness/processes.js';
