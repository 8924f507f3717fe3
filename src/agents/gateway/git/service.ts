import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The two smart-HTTP services. */
export type GitService = 'upload-pack' | 'receive-pack';

/** How to start one git service process on a mirror. */
export interface ServiceRun {
  service: GitService;
  dir: string;
  /** An empty HOME (no user config). */
  home: string;
  /** The client's `Git-Protocol` header (protocol v2), passed on when well-formed. */
  protocol?: string | undefined;
  /** `--advertise-refs` (the GET of info/refs). */
  advertise?: boolean;
  /** Extra `-c key=value` settings (receive-pack's deny rules). */
  config?: string[];
}

/** A started service: its stdout, and its exit (rejects with the stderr tail on failure). */
export interface ServiceProcess {
  stdout: Readable;
  stdin: NodeJS.WritableStream;
  done: Promise<void>;
  kill(): void;
}

const PROTOCOL = /^[A-Za-z0-9=:._-]{1,100}$/;

/**
 * Starts `git <service> --stateless-rpc [--advertise-refs] <dir>` with a bare environment (no
 * operator variables, no user or system config): what `git http-backend` would run.
 */
export function startService(run: ServiceRun): ServiceProcess {
  const args = [...(run.config ?? []).flatMap((c) => ['-c', c]), run.service, '--stateless-rpc', ...(run.advertise ? ['--advertise-refs'] : []), run.dir];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: run.home, XDG_CONFIG_HOME: run.home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
  if (run.protocol && PROTOCOL.test(run.protocol)) env.GIT_PROTOCOL = run.protocol;
  const child = spawn('git', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  child.stdin.on('error', () => undefined);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`git ${run.service} exited with ${signal ?? `code ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
  return { stdout: child.stdout, stdin: child.stdin, done, kill: () => child.kill('SIGKILL') };
}

/** Runs a service to the end with `input` on stdin and returns all of its output. */
export async function runService(run: ServiceRun, input: Buffer): Promise<Buffer> {
  const p = startService(run);
  const chunks: Buffer[] = [];
  p.stdout.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => p.stdout.once('end', resolve));
  p.stdin.end(input);
  await Promise.all([p.done, ended]);
  return Buffer.concat(chunks);
}
