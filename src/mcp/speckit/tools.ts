import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { UnknownTaskError, appendTaskNote, dependencyMap, parseSpec, setTaskStatus, validateGraph, type SpecTask, type TaskDependency } from '../../speckit/index.js';
import { PermissionError, ToolError } from '../errors.js';
import { ADDITIVE, IDEMPOTENT_WRITE, READ_ONLY, structured } from '../result.js';
import type { SpecRepo } from './repo.js';

/** What the Spec-Kit tools work on. */
export interface SpecKitContext {
  readonly repo: SpecRepo;
  readonly readOnly: boolean;
  readonly version: string;
}

const Feature = z.string().min(1).max(200).describe('feature folder under specs/, e.g. "004-review-loop" or "004"');
const TaskId = z.string().regex(/^T\d+[A-Za-z]?$/, 'a task id like T001 or T011a').describe('task id, e.g. T005');
const Dep = z.object({ on: z.string(), kind: z.enum(['explicit', 'phase']) });
const TaskOut = z.object({
  id: z.string(),
  done: z.boolean(),
  parallel: z.boolean(),
  story: z.string().nullable(),
  phase: z.object({ number: z.string(), title: z.string() }).nullable(),
  description: z.string(),
  files: z.array(z.string()),
  dependsOn: z.array(Dep),
  parent: z.string().nullable(),
  notes: z.array(z.string()),
  line: z.number(),
});
const Issue = z.object({ kind: z.enum(['unknown-id', 'cycle']), message: z.string(), line: z.number(), ids: z.array(z.string()) });
const Edit = z.object({ feature: z.string(), path: z.string(), id: z.string(), line: z.number(), done: z.boolean(), notes: z.array(z.string()), changed: z.boolean() });

function taskOut(t: SpecTask, deps: readonly TaskDependency[]): z.infer<typeof TaskOut> {
  return {
    id: t.id,
    done: t.done,
    parallel: t.parallel,
    story: t.story ?? null,
    phase: t.phase ? { number: t.phase.number, title: t.phase.title } : null,
    description: t.description,
    files: [...t.files],
    dependsOn: [...deps],
    parent: t.parent ?? null,
    notes: [...t.notes],
    line: t.line,
  };
}

function asToolError(err: unknown): never {
  if (err instanceof UnknownTaskError) throw new ToolError('id', err.problem);
  throw err;
}

function registerReads(server: McpServer, { repo }: SpecKitContext): void {
  server.registerTool('list_features', { title: 'List features', description: 'Spec-Kit feature folders under specs/ with their documents and task counts.', inputSchema: z.object({}).strict(), outputSchema: z.object({ features: z.array(z.object({ feature: z.string(), docs: z.array(z.string()), tasks: z.object({ total: z.number(), done: z.number() }).nullable() })) }), annotations: READ_ONLY }, async () => {
    const features = await Promise.all(
      (await repo.features()).map(async (f) => {
        const t = f.docs.includes('tasks') ? await repo.tasks(f.feature).catch(() => undefined) : undefined;
        return { feature: f.feature, docs: [...f.docs], tasks: t ? { total: t.doc.tasks.length, done: t.doc.tasks.filter((x) => x.done).length } : null };
      }),
    );
    return structured({ features });
  });
  server.registerTool('read_feature_doc', { title: 'Read spec, plan or tasks', description: "A feature's spec.md, plan.md, tasks.md (or research, data-model, quickstart); spec.md also comes parsed: user stories, FR-/SC- requirements.", inputSchema: z.object({ feature: Feature, doc: z.enum(['spec', 'plan', 'tasks', 'research', 'data-model', 'quickstart']) }).strict(), outputSchema: z.object({ feature: z.string(), path: z.string(), content: z.string(), spec: z.unknown().optional() }), annotations: READ_ONLY }, async ({ feature: f, doc }) => {
    const feature = await repo.feature(f);
    const { rel, text } = await repo.read(feature, doc);
    return structured({ feature, path: rel, content: text, ...(doc === 'spec' ? { spec: parseSpec(text) } : {}) }, text);
  });
  server.registerTool('list_tasks', { title: 'List tasks', description: "tasks.md as data: id, done, [P], [USn], phase, file paths, dependencies (explicit Depends: and phase order), notes; plus dependency problems (unknown ids, cycles) with lines.", inputSchema: z.object({ feature: Feature, status: z.enum(['all', 'open', 'done']).default('all'), phase: z.string().max(20).optional().describe('phase number, e.g. "3" or "N"'), story: z.string().regex(/^US\d+$/, 'a story label like US1').optional() }).strict(), outputSchema: z.object({ feature: z.string(), path: z.string(), total: z.number(), tasks: z.array(TaskOut), issues: z.array(Issue) }), annotations: READ_ONLY }, async ({ feature: f, status, phase, story }) => {
    const feature = await repo.feature(f);
    const { rel, doc } = await repo.tasks(feature);
    const deps = dependencyMap(doc);
    const tasks = doc.tasks.filter((t) => (status === 'all' || t.done === (status === 'done')) && (phase === undefined || t.phase?.number === phase) && (story === undefined || t.story === story));
    return structured({ feature, path: rel, total: doc.tasks.length, tasks: tasks.map((t) => taskOut(t, deps.get(t.id) ?? [])), issues: validateGraph(doc).map((i) => ({ ...i, ids: [...i.ids] })) });
  });
  server.registerTool('get_task', { title: 'Get a task', description: 'One task with its dependencies, notes and sub-tasks.', inputSchema: z.object({ feature: Feature, id: TaskId }).strict(), outputSchema: TaskOut.extend({ feature: z.string(), path: z.string(), subtasks: z.array(z.string()) }), annotations: READ_ONLY }, async ({ feature: f, id }) => {
    const feature = await repo.feature(f);
    const { rel, doc } = await repo.tasks(feature);
    const t = doc.byId.get(id);
    if (!t) asToolError(new UnknownTaskError(rel, id, [...doc.byId.keys()]));
    const deps = dependencyMap(doc);
    return structured({ feature, path: rel, ...taskOut(t, deps.get(id) ?? []), subtasks: doc.tasks.filter((x) => x.parent === id).map((x) => x.id) });
  });
}

type TaskEdit = ReturnType<typeof setTaskStatus>;

/** Applies one edit of a task to tasks.md (only its bytes change) and answers with the task as it is now. */
async function editTask(repo: SpecKitContext['repo'], f: string, id: string, edit: (text: string, rel: string) => TaskEdit) {
  const feature = await repo.feature(f);
  return structured(
    await repo.editTasks(feature, (text, rel) => {
      let e: TaskEdit;
      try {
        e = edit(text, rel);
      } catch (err) {
        return asToolError(err);
      }
      return { ...e, value: { feature, path: rel, id, line: e.task.line, done: e.task.done, notes: [...e.task.notes], changed: e.changed } };
    }),
  );
}

function registerWrites(server: McpServer, { repo, readOnly }: SpecKitContext): void {
  const guard = () => {
    if (readOnly) throw new PermissionError(undefined, 'this server was started with --read-only');
  };
  server.registerTool('set_task_status', { title: 'Mark a task done or open', description: 'Sets the checkbox of a task to [X] (done) or [ ] (open); only that byte of tasks.md changes.', inputSchema: z.object({ feature: Feature, id: TaskId, done: z.boolean() }).strict(), outputSchema: Edit, annotations: IDEMPOTENT_WRITE }, async ({ feature: f, id, done }) => {
    guard();
    return editTask(repo, f, id, (text, rel) => setTaskStatus(text, id, done, rel));
  });
  server.registerTool('append_task_note', { title: 'Add a note to a task', description: 'Adds "  - note" on a new line under the task (after its earlier notes); nothing else in tasks.md changes.', inputSchema: z.object({ feature: Feature, id: TaskId, note: z.string().min(1).max(2000).regex(/^[^\r\n]*$/, 'one line, no line breaks') }).strict(), outputSchema: Edit, annotations: ADDITIVE }, async ({ feature: f, id, note }) => {
    guard();
    return editTask(repo, f, id, (text, rel) => ({ ...appendTaskNote(text, id, note, rel), changed: true }));
  });
}

/** A protocol instance with every Spec-Kit tool. */
export function buildSpecKitServer(ctx: SpecKitContext): McpServer {
  const server = new McpServer({ name: 'weft-speckit', version: ctx.version }, { instructions: `Spec-Kit features under ${ctx.repo.root}/specs. ${ctx.readOnly ? 'Read-only.' : 'set_task_status and append_task_note edit tasks.md.'}` });
  registerReads(server, ctx);
  registerWrites(server, ctx);
  return server;
}
