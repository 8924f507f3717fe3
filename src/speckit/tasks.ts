import { SpecKitError } from './errors.js';

/** A `## Phase N: Title` (or `Phase N -- Title`) heading of tasks.md. */
export interface TaskPhase {
  /** `1`, `2`, … or the template's literal `N` */
  readonly number: string;
  readonly title: string;
  /** 1-based line of the heading */
  readonly line: number;
  /** 0-based position among the document's phases (phase order) */
  readonly order: number;
}

/** One `- [ ] T001 [P] [US1] Description` line of tasks.md. */
export interface SpecTask {
  readonly id: string;
  readonly done: boolean;
  /** `[P]`: can run in parallel with the other tasks of its phase */
  readonly parallel: boolean;
  /** `US1`, `US2`, … from `[USn]` */
  readonly story: string | undefined;
  readonly description: string;
  /** file paths named in the description (`src/x.ts`, `` `docs/a.md` ``) */
  readonly files: readonly string[];
  /** ids named by `Depends: T001, T002` or `(depends on T005)` */
  readonly dependsOn: readonly string[];
  readonly phase: TaskPhase | undefined;
  /** the enclosing task of an indented sub-task (`T011a` under `T011`) */
  readonly parent: string | undefined;
  /** indented non-task bullets right under the task (`append_task_note` writes these) */
  readonly notes: readonly string[];
  /** 1-based line number */
  readonly line: number;
  /** leading whitespace width of the line */
  readonly indent: number;
  /** offset in the text of the checkbox character (` `, `x` or `X`) */
  readonly checkOffset: number;
  /** offset in the text just past the task's last line (task line and its notes), before the line break */
  readonly endOffset: number;
}

/** A parsed tasks.md: tasks in document order, phases, and the line ending to write back with. */
export interface TasksDocument {
  readonly file: string;
  readonly title: string | undefined;
  readonly tasks: readonly SpecTask[];
  readonly phases: readonly TaskPhase[];
  readonly byId: ReadonlyMap<string, SpecTask>;
  readonly eol: '\n' | '\r\n';
}

const TASK_LINE = /^([ \t]*)[-*+] \[(.)\] (T\d+[A-Za-z]?)(?=[\s:.,)]|$)(.*)$/;
const LOOSE_TASK = /^[ \t]*[-*+] \[[^\]]*\]\s*T\d/;
const PHASE = /^##\s+Phase\s+(\d+|N)\b\s*(?::|--|—|–|-)?\s*(.*?)\s*$/i;
const TITLE = /^#\s+(.+?)\s*$/;
const NOTE = /^([ \t]+)[-*+] (?!\[.\] )(.*)$/;
const MARKERS = /^\s*\[(P|US\d+)\]/;
const DEPENDS = /\bdepends(?:\s+on)?\s*:?\s*((?:T\d+[A-Za-z]?)(?:\s*(?:,|and|&)?\s*T\d+[A-Za-z]?)*)/gi;
const TASK_ID = /T\d+[A-Za-z]?/g;
const EXT = /\.(?:ts|tsx|js|mjs|cjs|jsx|md|json|ya?ml|py|go|rs|toml|sh|css|html|sql|java|kt|swift|rb|c|h|cpp)$/;

interface Line {
  readonly text: string;
  readonly start: number;
  readonly number: number;
}

function* lines(text: string): Generator<Line> {
  let start = 0;
  let number = 1;
  // Bounded: each pass moves `start` forward past one line break.
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const body = end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    yield { text: body, start, number };
    if (nl === -1) return;
    start = nl + 1;
    number++;
  }
}

/** Pulls `[P]` and `[USn]` off the front of a task's remainder, in either order. */
function markers(rest: string): { parallel: boolean; story: string | undefined; description: string } {
  let parallel = false;
  let story: string | undefined;
  let s = rest;
  for (let i = 0; i < 4; i++) {
    const m = MARKERS.exec(s);
    if (!m) break;
    if (m[1] === 'P') parallel = true;
    else story = m[1];
    s = s.slice(m[0].length);
  }
  return { parallel, story, description: s.trim() };
}

/** File paths named in a task description, in order, without duplicates. */
export function filesIn(description: string): string[] {
  const out = new Set<string>();
  for (const word of description.split(/\s+/)) {
    if (!word.includes('/') && !word.includes('.')) continue;
    const p = word.replace(/^[`("']+|[`)"',;:.]+$/g, '');
    if (p.length < 3 || p.startsWith('/') || /^https?:/.test(p) || /^T\d/.test(p)) continue;
    if ((p.includes('/') && /^[\w.@/-]+$/.test(p) && /\w/.test(p)) || (EXT.test(p) && /^[\w.@-]+$/.test(p))) out.add(p);
  }
  return [...out];
}

/** Task ids named by `Depends: …` / `depends on …` in a description. */
export function dependsIn(description: string): string[] {
  const out = new Set<string>();
  if (!/depends/i.test(description)) return [];
  for (const m of description.matchAll(DEPENDS)) for (const id of (m[1] ?? '').match(TASK_ID) ?? []) out.add(id);
  return [...out];
}

interface Builder {
  tasks: SpecTask[];
  byId: Map<string, SpecTask>;
  phase: TaskPhase | undefined;
  phases: TaskPhase[];
  stack: SpecTask[];
  last: SpecTask | undefined;
  title: string | undefined;
}

function taskOf(file: string, line: Line, m: RegExpExecArray, b: Builder): SpecTask {
  const [, ws = '', check = ' ', id = '', rest = ''] = m;
  if (check !== ' ' && check !== 'x' && check !== 'X') {
    throw new SpecKitError(file, line.number, `task ${id}: checkbox [${check}] is not one of [ ], [x], [X]`);
  }
  const indent = ws.replace(/\t/g, '    ').length;
  while (b.stack.length > 0 && (b.stack[b.stack.length - 1]?.indent ?? 0) >= indent) b.stack.pop();
  const { parallel, story, description } = markers(rest);
  return {
    id,
    done: check !== ' ',
    parallel,
    story,
    description,
    files: filesIn(description),
    dependsOn: dependsIn(description),
    phase: b.phase,
    parent: b.stack[b.stack.length - 1]?.id,
    notes: [],
    line: line.number,
    indent,
    checkOffset: line.start + ws.length + 3,
    endOffset: line.start + line.text.length,
  };
}

function addTask(file: string, task: SpecTask, b: Builder): void {
  const first = b.byId.get(task.id);
  if (first) throw new SpecKitError(file, task.line, `duplicate task id ${task.id}: lines ${first.line} and ${task.line}`);
  b.tasks.push(task);
  b.byId.set(task.id, task);
  b.stack.push(task);
  b.last = task;
}

/** Attaches an indented non-task bullet to the task right above it; returns whether it did. */
function addNote(line: Line, b: Builder): boolean {
  const m = NOTE.exec(line.text);
  const last = b.last;
  if (!m || !last || (m[1] ?? '').replace(/\t/g, '    ').length <= last.indent) return false;
  const updated: SpecTask = { ...last, notes: [...last.notes, (m[2] ?? '').trim()], endOffset: line.start + line.text.length };
  b.tasks[b.tasks.length - 1] = updated;
  b.byId.set(updated.id, updated);
  b.stack[b.stack.length - 1] = updated;
  b.last = updated;
  return true;
}

/** One line outside code fences: a task, a note under a task, a phase heading or the title. */
function readLine(file: string, line: Line, b: Builder): void {
  const t = line.text;
  const task = TASK_LINE.exec(t);
  if (task) return addTask(file, taskOf(file, line, task, b), b);
  if (LOOSE_TASK.test(t)) throw new SpecKitError(file, line.number, `malformed task line ${JSON.stringify(t.trim())}: expected "- [ ] T001 Description"`);
  if (addNote(line, b)) return;
  if (t.trim() !== '') b.last = undefined;
  const phase = PHASE.exec(t);
  if (phase) {
    b.phase = { number: phase[1] ?? '', title: phase[2] ?? '', line: line.number, order: b.phases.length };
    b.phases.push(b.phase);
    b.stack = [];
  } else if (b.title === undefined && TITLE.test(t)) b.title = TITLE.exec(t)?.[1];
}

/**
 * Parses a Spec-Kit tasks.md (`templates/tasks-template.md` format): tasks with their checkbox,
 * `[P]`, `[USn]`, phase, file paths, explicit dependencies, sub-tasks and notes. Accepts `[x]`/`[X]`,
 * `Phase N -- Title`, CRLF, and any prose around the tasks.
 *
 * @throws SpecKitError naming the file and line: a duplicate id (both lines), a checkbox that is not
 *   `[ ]`/`[x]`/`[X]`, or a task line without a proper `- [ ] T001` shape.
 * @example parseTasks(readFileSync('specs/004-review/tasks.md', 'utf8'), 'specs/004-review/tasks.md')
 */
export function parseTasks(text: string, file = 'tasks.md'): TasksDocument {
  const b: Builder = { tasks: [], byId: new Map(), phase: undefined, phases: [], stack: [], last: undefined, title: undefined };
  let fence = false;
  for (const line of lines(text)) {
    if (/^\s*(```|~~~)/.test(line.text)) fence = !fence;
    if (!fence) readLine(file, line, b);
  }
  return { file, title: b.title, tasks: b.tasks, phases: b.phases, byId: b.byId, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}
