import { mkdir, open, type FileHandle } from 'node:fs/promises';
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
  /** The reply body, or for a stream the message assembled from its events. */
  response?: unknown;
  error?: string;
}

/** Lines larger than this keep their metadata but lose request and response bodies. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Files stay open this long after their last line, at most MAX_OPEN of them. */
const IDLE_CLOSE_MS = 30_000;
const MAX_OPEN = 64;

interface OpenFile {
  fh: FileHandle;
  timer: NodeJS.Timeout;
}

/**
 * Appends transcript lines, JSONL, one file per task attempt:
 * `<dir>/<namespace>/<task>/attempt-<n>.jsonl` (directories 0700, files 0600). Entries are
 * redacted by the caller's redactor before they are written; writes stay in order, files stay open
 * while a task is active, and a failed write is logged, never fails the LLM request.
 */
export class TranscriptWriter {
  private queue: Promise<void> = Promise.resolve();
  private readonly files = new Map<string, OpenFile>();

  constructor(
    readonly dir: string,
    private readonly log?: Logger,
  ) {}

  /** The file of one attempt of a task. */
  pathFor(task: TaskKey, attempt: number): string {
    return join(this.dir, task.namespace, task.name, `attempt-${attempt}.jsonl`);
  }

  /** Queues one entry. */
  write(entry: TranscriptEntry, redact: (v: unknown) => unknown): void {
    const file = this.pathFor(entry.task, entry.attempt);
    this.queue = this.queue.then(async () => {
      try {
        let line = JSON.stringify(redact(entry));
        if (Buffer.byteLength(line) > MAX_LINE_BYTES) line = JSON.stringify(redact({ ...entry, request: { truncated: true }, response: { truncated: true } }));
        await this.append(file, `${line}\n`);
      } catch (err) {
        this.log?.warn({ err, file }, 'transcript write failed');
      }
    });
  }

  /** Resolves when every queued entry is written. */
  flush(): Promise<void> {
    return this.queue;
  }

  /** Writes what is queued and closes every file. */
  async close(): Promise<void> {
    await this.queue;
    const files = [...this.files.values()];
    this.files.clear();
    await Promise.all(files.map((f) => (clearTimeout(f.timer), f.fh.close())));
  }

  private async append(file: string, text: string): Promise<void> {
    try {
      await (await this.handle(file)).appendFile(text);
    } catch {
      // The file or its directory went away (cleaned up by hand): open it afresh, once.
      await this.forget(file);
      await (await this.handle(file)).appendFile(text);
    }
  }

  private async handle(file: string): Promise<FileHandle> {
    const known = this.files.get(file);
    if (known) {
      known.timer.refresh();
      return known.fh;
    }
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    const fh = await open(file, 'a', 0o600);
    if (this.files.size >= MAX_OPEN) await this.forget(this.files.keys().next().value!);
    const timer = setTimeout(() => {
      this.queue = this.queue.then(() => this.forget(file));
    }, IDLE_CLOSE_MS).unref();
    this.files.set(file, { fh, timer });
    return fh;
  }

  private async forget(file: string): Promise<void> {
    const f = this.files.get(file);
    if (!f) return;
    this.files.delete(file);
    clearTimeout(f.timer);
    await f.fh.close().catch(() => undefined);
  }
}
