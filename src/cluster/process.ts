import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const GUARD = join(dirname(fileURLToPath(import.meta.url)), 'guard.sh');
/** Process groups started by this process and not yet stopped; killed on exit as a last resort. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Is a process (or process group, with a negative id) alive? A zombie counts as dead: where PID 1
 * does not reap orphans, a killed process stays a zombie forever.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (pid < 0) return true;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

export interface ProcessSpec {
  /** Short name for messages, e.g. "etcd". */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The process whose death stops this one; defaults to the current process. */
  ownerPid?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process running in its own process group under guard.sh. */
export interface ManagedProcess {
  readonly name: string;
  /** pid of the guard, which is also the process group id. */
  readonly pgid: number;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM the group, SIGKILL after `graceMs`, resolve once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a long-running component (etcd, kube-apiserver, kwok) so that nothing outlives its owner:
 * it gets its own process group (stopped as a whole), and a guard that kills it when the owner dies
 * even by SIGKILL.
 */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  installExitHook();
  const fd = openSync(spec.logFile, 'a');
  const child = spawn('bash', [GUARD, String(spec.ownerPid ?? process.pid), spec.command, ...spec.args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: spec.env ?? process.env,
    cwd: spec.cwd,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  const pgid = child.pid;
  liveGroups.add(pgid);
  child.unref();
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      liveGroups.delete(pgid);
      resolve({ code, signal });
    });
    child.once('error', () => {
      liveGroups.delete(pgid);
      resolve({ code: -1, signal: null });
    });
  });
  return {
    name: spec.name,
    pgid,
    logFile: spec.logFile,
    exited,
    async stop(graceMs = 10_000) {
      killGroup(pgid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      await waitGroupGone(pgid, graceMs);
      liveGroups.delete(pgid);
    },
  };
}

/** Waits until no process of the group remains (the guard may exit before its child). */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(-pgid)) {
    if (Date.now() > deadline) {
      killGroup(pgid, 'SIGKILL');
      if (Date.now() > deadline + 2000) throw new Error(`process group ${pgid} did not exit`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The last lines of a component's log, for error messages ("(no log)" when it cannot be read). */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `ready` until it returns true; fails early, with the log's tail, if the process exits. */
export async function waitReady(proc: ManagedProcess, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited during startup. Last log lines (${proc.logFile}):\n${logTail(proc.logFile)}`);
    try {
      if (await ready()) return;
      lastError = 'not ready yet';
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not ready after ${timeoutMs} ms (${lastError}). Last log lines (${proc.logFile}):\n${logTail(proc.logFile)}`);
}
