import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseTasks } from '../../speckit/tasks.js';
import type { RunnerTaskSpec } from '../run/spec.js';
import { repoPath } from './paths.js';

/**
 * The task as text for an agent: the inline title and description, or the Spec-Kit task with its
 * feature's spec.md and plan.md as context; and the previous attempt's diagnostics when retrying.
 */
export async function taskPrompt(spec: RunnerTaskSpec, repo: string): Promise<string> {
  const parts: string[] = [];
  if (spec.source.inline) {
    parts.push(`# Task: ${spec.source.inline.title}`, '', spec.source.inline.description ?? '');
  } else if (spec.source.specKit) {
    const { path, taskId } = spec.source.specKit;
    const file = repoPath(repo, path);
    const doc = parseTasks(await readFile(file, 'utf8'), path);
    const task = doc.tasks.find((t) => t.id === taskId);
    if (!task) throw new Error(`spec.source.specKit.taskId: ${taskId} is not in ${path} (ids: ${doc.tasks.slice(0, 20).map((t) => t.id).join(', ')})`);
    parts.push(`# Task ${task.id} from ${path}`, '', task.description);
    if (task.files.length) parts.push('', `Files: ${task.files.join(', ')}`);
    for (const ctxDoc of ['spec.md', 'plan.md']) {
      const text = await readFile(join(dirname(file), ctxDoc), 'utf8').catch(() => undefined);
      if (text) parts.push('', `## ${ctxDoc} (context)`, '', text.slice(0, 20_000));
    }
  }
  if (spec.previousDiagnostics) parts.push('', '## The previous attempt failed', '', spec.previousDiagnostics.slice(0, 8000));
  return parts.join('\n');
}
