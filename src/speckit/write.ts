import { SpecKitError, UnknownTaskError } from './errors.js';
import { parseTasks, type SpecTask, type TasksDocument } from './tasks.js';

/** The result of an edit: the new text and whether anything changed. */
export interface TasksEdit {
  readonly text: string;
  readonly changed: boolean;
  readonly task: SpecTask;
}

function find(doc: TasksDocument, id: string): SpecTask {
  const task = doc.byId.get(id);
  if (!task) throw new UnknownTaskError(doc.file, id, [...doc.byId.keys()]);
  return task;
}

/**
 * Sets a task's checkbox to `[X]` (done, as `/implement` writes it) or `[ ]`. Only the checkbox
 * byte changes; an already-done `[x]` stays as it is. Idempotent.
 *
 * @throws UnknownTaskError when no task has the id; SpecKitError when the text does not parse.
 */
export function setTaskStatus(text: string, id: string, done: boolean, file = 'tasks.md'): TasksEdit {
  const task = find(parseTasks(text, file), id);
  if (task.done === done) return { text, changed: false, task };
  const next = text.slice(0, task.checkOffset) + (done ? 'X' : ' ') + text.slice(task.checkOffset + 1);
  return { text: next, changed: true, task: { ...task, done } };
}

/**
 * Adds a note under a task as an indented bullet (`  - note`), after the task's existing notes.
 * Nothing else in the text changes; the new line uses the document's line ending.
 *
 * @throws SpecKitError when the note is empty or spans lines; UnknownTaskError for an unknown id.
 */
export function appendTaskNote(text: string, id: string, note: string, file = 'tasks.md'): TasksEdit {
  const doc = parseTasks(text, file);
  const task = find(doc, id);
  const clean = note.trim();
  if (clean === '' || /[\r\n]/.test(clean)) throw new SpecKitError(file, task.line, `note for ${id} must be one non-empty line`);
  const indent = ' '.repeat(task.indent + 2);
  const at = task.endOffset;
  const next = `${text.slice(0, at)}${doc.eol}${indent}- ${clean}${text.slice(at)}`;
  return { text: next, changed: true, task: { ...task, notes: [...task.notes, clean] } };
}
