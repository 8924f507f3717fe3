import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * A pino destination that keeps the last `capacity` log lines in memory: the operator's log tail,
 * dumped by the diagnostics hook when a test fails instead of printed while tests pass.
 */
export class LogRing implements DestinationStream {
  private readonly buf: string[] = [];
  private dropped = 0;

  constructor(readonly capacity = 300) {}

  write(line: string): void {
    this.buf.push(line.endsWith('\n') ? line.slice(0, -1) : line);
    if (this.buf.length > this.capacity) {
      this.buf.shift();
      this.dropped++;
    }
  }

  /** The kept lines, oldest first, and how many older ones were dropped. */
  tail(): { lines: string[]; dropped: number } {
    return { lines: [...this.buf], dropped: this.dropped };
  }
}

/**
 * A logger for an operator started by a test: `info` and up go into a LogRing (dumped on failure);
 * with TEST_LOG_LEVEL set, also to stderr at that level, as before.
 */
export function ringLogger(ring: LogRing): Logger {
  const live = process.env.TEST_LOG_LEVEL;
  if (!live || live === 'silent') return pino({ level: 'info' }, ring);
  const level = (pino.levels.values[live] ?? 30) < 30 ? live : 'info';
  return pino({ level }, pino.multistream([{ level: 'info', stream: ring }, { level: live as pino.Level, stream: process.stderr }]));
}
