/** Where CLI output goes; tests pass buffers. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

/** The process's stdout and stderr. */
export const processIO: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** Exit codes: 0 ok, 1 runtime failure, 2 usage error (bad flag or value), as Kubernetes tools do. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs a long step and prints `▸ step… done (1.2s)` (or `failed`) on stderr, so long operations
 * show progress.
 */
export async function step<T>(io: CliIO, title: string, fn: (progress: (detail: string) => void) => Promise<T>): Promise<T> {
  const started = Date.now();
  io.err(`▸ ${title}…\n`);
  try {
    const result = await fn((detail) => io.err(`    ${detail}\n`));
    io.err(`  ✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    return result;
  } catch (err) {
    io.err(`  ✗ ${title} failed after ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, `kill`, kubelet stop). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // Signal listeners do not keep the event loop alive; this timer does, until the signal.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const on = (sig: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
