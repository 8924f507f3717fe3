import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runShell } from '../run/shell.js';
import type { Driver } from './types.js';
import { repoPath } from './paths.js';

/** Each step's time limit. */
const STEP_TIMEOUT_MS = 10 * 60_000;

/** Runs `spec.agent.steps` in order: file writes and shell commands; the first failing command fails the attempt. */
export const scriptedDriver: Driver = async ({ spec, repo, log }) => {
  const steps = spec.agent.steps ?? [];
  for (const [i, s] of steps.entries()) {
    if (s.write) {
      let file: string;
      try {
        file = repoPath(repo, s.write.path);
      } catch (err) {
        return { ok: false, message: `spec.agent.steps[${i}].write.path: ${(err as Error).message}` };
      }
      log(`step ${i + 1}/${steps.length}: write ${s.write.path} (${Buffer.byteLength(s.write.content)} bytes)`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, s.write.content);
    } else if (s.run) {
      log(`step ${i + 1}/${steps.length}: run ${s.run}`);
      const r = await runShell(s.run, { cwd: repo, log, timeoutMs: STEP_TIMEOUT_MS });
      if (r.exitCode !== 0) return { ok: false, message: `spec.agent.steps[${i}].run \`${s.run}\` ${r.timedOut ? 'timed out' : `exited ${r.exitCode}`}:\n${r.output.slice(-4000)}` };
    }
  }
  return { ok: true };
};
