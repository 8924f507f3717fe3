import { spawn } from 'node:child_process';

/** Writes one line of the runner's log (stdout in the pod: `kubectl logs`). */
export type StepLog = (line: string) => void;

/** How a shell command ended, with the tail of its output (stdout and stderr interleaved). */
export interface ShellResult {
  exitCode: number;
  timedOut: boolean;
  /** The last `tailBytes` of the output. */
  output: string;
  durationMs: number;
}

/**
 * Runs `bash -c command` in `cwd`, streaming its output to the log with a prefix and keeping the
 * tail; killed (the whole process group) after `timeoutMs`.
 */
export function runShell(command: string, o: { cwd: string; log: StepLog; timeoutMs?: number; env?: NodeJS.ProcessEnv; prefix?: string; tailBytes?: number }): Promise<ShellResult> {
  const started = Date.now();
  const tailBytes = o.tailBytes ?? 16_384;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd: o.cwd, env: o.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-tailBytes);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) o.log(`${o.prefix ?? '  | '}${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = o.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, o.timeoutMs)
      : undefined;
    const done = (exitCode: number) => {
      if (timer) clearTimeout(timer);
      if (partial) o.log(`${o.prefix ?? '  | '}${partial}`);
      resolve({ exitCode, timedOut, output: tail, durationMs: Date.now() - started });
    };
    child.on('error', (err) => {
      tail += `\n${err.message}`;
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 + 9 : 1)));
  });
}
