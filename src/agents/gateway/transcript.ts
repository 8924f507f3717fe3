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
/** Serialised lines wait at most this long for their append (so a busy gateway writes once per interval, not per call)… */
export const APPEND_EVERY_MS = 20;
/** …or until this many bytes wait. */
const APPEND_NOW_BYTES = 1024 * 1024;

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

  /**
   * Queues one entry (or a function that makes it: then the work of building it, such as assembling
   * a streamed message, happens after the reply, not on its way). Entries are serialised and
   * redacted after pending I/O (setImmediate); their lines are appended at most every
   * {@link APPEND_EVERY_MS} (one write per file for all the lines of that time, not one per call).
   */
  write(entry: TranscriptEntry | (() => TranscriptEntry), redact: (v: unknown) => unknown): void {
    this.pending.push({ entry, redact });
    if (this.pending.length === 1) setImmediate(() => this.serialize());
  }

  private pending: Array<{ entry: TranscriptEntry | (() => TranscriptEntry); redact: (v: unknown) => unknown }> = [];
  /** Serialised lines waiting for their append, by file. */
  private lines = new Map<string, string[]>();
  private linesBytes = 0;
  private appendTimer: NodeJS.Timeout | undefined;

  private serialize(): void {
    const batch = this.pending;
    this.pending = [];
    for (const { entry, redact } of batch) {
      try {
        const e = typeof entry === 'function' ? entry() : entry;
        let line = JSON.stringify(redact(e));
        let bytes = Buffer.byteLength(line);
        if (bytes > MAX_LINE_BYTES) {
          line = JSON.stringify(redact({ ...e, request: { truncated: true }, response: { truncated: true } }));
          bytes = Buffer.byteLength(line);
        }
        const file = this.pathFor(e.task, e.attempt);
        const lines = this.lines.get(file) ?? [];
        if (lines.length === 0) this.lines.set(file, lines);
        lines.push(`${line}\n`);
        this.linesBytes += bytes;
      } catch (err) {
        this.log?.warn({ err }, 'transcript entry could not be serialised');
      }
    }
    if (this.linesBytes >= APPEND_NOW_BYTES) void this.appendNow();
    else if (!this.appendTimer && this.lines.size > 0) this.appendTimer = setTimeout(() => void this.appendNow(), APPEND_EVERY_MS);
  }

  /** Queues the append of every serialised line (in order after the appends before it). */
  private appendNow(): Promise<void> {
    clearTimeout(this.appendTimer);
    this.appendTimer = undefined;
    const lines = this.lines;
    this.lines = new Map();
    this.linesBytes = 0;
    if (lines.size > 0) this.queue = this.queue.then(() => this.appendAll(lines));
    return this.queue;
  }

  private async appendAll(lines: Map<string, string[]>): Promise<void> {
    for (const [file, ls] of lines) {
      try {
        await this.append(file, ls.join(''));
      } catch (err) {
        this.log?.warn({ err, file }, 'transcript write failed');
      }
    }
  }

  /** Resolves when every entry written so far is in its file. */
  flush(): Promise<void> {
    if (this.pending.length > 0) this.serialize();
    return this.appendNow();
  }

  /** Writes what is queued and closes every file. */
  async close(): Promise<void> {
    await this.flush();
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
