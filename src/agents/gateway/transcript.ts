import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TaskKey } from './identity.js';

/** One line of a transcript: a request to the LLM and what came back. */
export interface TranscriptEntry {
  time: string;
  task: TaskKey;
  attempt: number;
  pod?: string;
  api: string;
  model?: string;
  stream: boolean;
  /** Status sent to the agent. */
  status: number;
  /** Upstream tries after the first. */
  retries: number;
  durationMs: number;
  usage?: { input: number; output: number; cached: number };
  request: unknown;
  /** The reply body, or for a stream the list of its events (`{ event?, data }`). */
  response?: unknown;
  error?: string;
}

/** Lines larger than this keep their metadata but lose request and response bodies. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Appends transcript lines, JSONL, one file per task attempt:
 * `<dir>/<namespace>/<task>/attempt-<n>.jsonl` (directories 0700, files 0600). Entries are
 * redacted by the caller's redactor before they are written; a failed write is logged, never
 * fails the LLM request.
 */
export class TranscriptWriter {
  private queue: Promise<void> = Promise.resolve();
  /** Directories known to exist (one mkdir per task, not per line). */
  private readonly made = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly log?: Logger,
  ) {}

  /** The file of one attempt of a task. */
  pathFor(task: TaskKey, attempt: number): string {
    return join(this.dir, task.namespace, task.name, `attempt-${attempt}.jsonl`);
  }

  /** Queues one entry (writes stay in order). */
  write(entry: TranscriptEntry, redact: (v: unknown) => unknown): void {
    const file = this.pathFor(entry.task, entry.attempt);
    this.queue = this.queue.then(async () => {
      try {
        let line = JSON.stringify(redact(entry));
        if (Buffer.byteLength(line) > MAX_LINE_BYTES) line = JSON.stringify(redact({ ...entry, request: { truncated: true }, response: { truncated: true } }));
        const taskDir = join(this.dir, entry.task.namespace, entry.task.name);
        if (!this.made.has(taskDir)) {
          await mkdir(taskDir, { recursive: true, mode: 0o700 });
          this.made.add(taskDir);
        }
        await appendFile(file, `${line}\n`, { mode: 0o600 }).catch(async (err: unknown) => {
          if ((err as { code?: string }).code !== 'ENOENT') throw err;
          // The directory went away (cleaned up by hand): make it again, once.
          await mkdir(taskDir, { recursive: true, mode: 0o700 });
          await appendFile(file, `${line}\n`, { mode: 0o600 });
        });
      } catch (err) {
        this.log?.warn({ err, file }, 'transcript write failed');
      }
    });
  }

  /** Resolves when every queued entry is written. */
  flush(): Promise<void> {
    return this.queue;
  }
}
