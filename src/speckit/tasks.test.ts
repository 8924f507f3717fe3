import { readFileSync } from 'node:fs';
import { SpecKitError, UnknownTaskError, appendTaskNote, dependenciesOf, parseTasks, readyTasks, setTaskStatus, validateGraph, assertValidGraph } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/speckit/${name}`, import.meta.url), 'utf8');
const CORPUS: Record<string, string> = {
  'review-loop.md': fixture('review-loop.md'),
  'template-shape.md': fixture('template-shape.md'),
  'variants.md': fixture('variants.md'),
  'review-loop.crlf.md': fixture('review-loop.md').replace(/\n/g, '\r\n'),
  'variants.crlf.md': fixture('variants.md').replace(/\n/g, '\r\n'),
  'no-trailing-newline.md': '## Phase 1: Setup\n- [ ] T001 Only task',
};

describe('parseTasks', () => {
  it('reads the template-format example: ids, checkboxes, [P], [USn], phases, files, sub-tasks', () => {
    const doc = parseTasks(CORPUS['review-loop.md'] as string, 'specs/004-review-loop/tasks.md');
    expect(doc.title).toBe('Tasks: Review Loop');
    expect(doc.tasks.map((t) => t.id)).toEqual(['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007', 'T008', 'T009', 'T010', 'T011', 'T011a', 'T012', 'T013']);
    expect(doc.tasks.filter((t) => t.done).map((t) => t.id)).toEqual(['T001', 'T002', 'T003', 'T004', 'T007']);
    expect(doc.phases.map((p) => [p.number, p.title])).toEqual([
      ['1', 'Setup (Shared Infrastructure)'],
      ['2', 'Foundational (Blocking Prerequisites)'],
      ['3', 'User Story 1 - Agent opens a pull request (Priority: P1) 🎯 MVP'],
      ['4', 'User Story 2 - Agent answers review comments (Priority: P2)'],
      ['N', 'Polish & Cross-Cutting Concerns'],
    ]);
    const t7 = doc.byId.get('T007');
    expect(t7).toMatchObject({ parallel: true, story: 'US1', files: ['tests/contract/pulls.test.ts'], line: 48 });
    expect(t7?.phase?.number).toBe('3');
    expect(doc.byId.get('T009')).toMatchObject({ parallel: false, story: 'US1', dependsOn: ['T005'], files: ['src/services/pr.ts'] });
    expect(doc.byId.get('T011a')).toMatchObject({ parent: 'T011', story: 'US2', indent: 2 });
    expect(doc.byId.get('T003')?.files).toEqual(['eslint.config.js']);
    expect(doc.byId.get('T013')?.files).toEqual(['quickstart.md']);
  });

  it('skips placeholders (TXXX), fenced blocks and prose bullets of the template', () => {
    const doc = parseTasks(CORPUS['template-shape.md'] as string);
    expect(doc.tasks.map((t) => t.id)).toEqual(['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T010', 'T011', 'T012', 'T013', 'T014', 'T015']);
    expect(doc.byId.get('T014')?.dependsOn).toEqual(['T012', 'T013']);
    expect(doc.phases.map((p) => p.number)).toEqual(['1', '2', '3', 'N']);
  });

  it('handles [x]/[X], Phase N -- Title, em-dash phases, non-English prose, tabs, notes and Depends:', () => {
    const doc = parseTasks(CORPUS['variants.md'] as string);
    expect(doc.phases.map((p) => [p.number, p.title])).toEqual([['1', 'Setup'], ['2', 'Kern'], ['3', 'Polish']]);
    expect(doc.byId.get('T002a')).toMatchObject({ done: true, parallel: true, parent: 'T002', description: 'Japanische Übersetzung prüfen — 日本語の翻訳を確認する' });
    expect(doc.byId.get('T002c')).toMatchObject({ parent: 'T002b', files: ['locales/fr.json'] });
    expect(doc.byId.get('T003')?.dependsOn).toEqual(['T001', 'T002']);
    expect(doc.byId.get('T004')).toMatchObject({ dependsOn: ['T003'], notes: ['note: waiting for review', 'second note'], files: ['src/settings/store.ts'] });
    expect(doc.byId.get('T005')).toMatchObject({ parallel: true, story: 'US2', dependsOn: ['T003', 'T004'] });
    expect(doc.byId.get('T001')?.files).toEqual(['src/i18n/']);
    expect(doc.byId.get('T007')?.done).toBe(true);
  });

  it('reads CRLF documents like LF ones and remembers the line ending', () => {
    const lf = parseTasks(CORPUS['variants.md'] as string);
    const crlf = parseTasks(CORPUS['variants.crlf.md'] as string);
    expect(crlf.eol).toBe('\r\n');
    expect(crlf.tasks.map(({ id, done, description, line, notes }) => ({ id, done, description, line, notes }))).toEqual(
      lf.tasks.map(({ id, done, description, line, notes }) => ({ id, done, description, line, notes })),
    );
  });

  it.each([
    ['duplicate ids name both lines', '## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b\n- [x] T001 c\n', 'tasks.md:4: duplicate task id T001: lines 2 and 4'],
    ['a bad checkbox', '- [ ] T001 a\n- [~] T002 b\n', 'tasks.md:2: task T002: checkbox [~] is not one of [ ], [x], [X]'],
    ['a checkbox without its space', '- [] T003 b\n', 'tasks.md:1: malformed task line "- [] T003 b"'],
    ['a glued id', '\n\n- [ ]T004 b\n', 'tasks.md:3: malformed task line'],
  ])('rejects %s with file and line', (_name, text, message) => {
    expect(() => parseTasks(text)).toThrow(SpecKitError);
    expect(() => parseTasks(text)).toThrow(message);
  });
});

describe('dependency graph', () => {
  it('derives phase barriers and explicit Depends:', () => {
    const doc = parseTasks(CORPUS['review-loop.md'] as string);
    expect(dependenciesOf(doc, 'T001')).toEqual([]);
    expect(dependenciesOf(doc, 'T004').map((d) => d.on)).toEqual(['T001', 'T002', 'T003']);
    expect(dependenciesOf(doc, 'T009')).toEqual([{ on: 'T005', kind: 'explicit' }, ...['T004', 'T006'].map((on) => ({ on, kind: 'phase' }))]);
    expect(validateGraph(doc)).toEqual([]);
    expect(readyTasks(doc).map((t) => t.id)).toEqual(['T005', 'T006']);
  });

  it('reports unknown ids and cycles with their lines', () => {
    const doc = parseTasks('## Phase 1: A\n- [ ] T001 a Depends: T009\n- [ ] T002 b Depends: T003\n- [ ] T003 c Depends: T002\n', 'f.md');
    const issues = validateGraph(doc);
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'unknown-id', line: 2, message: 'f.md:2: task T001 depends on unknown task T009' }));
    expect(issues.find((i) => i.kind === 'cycle')).toMatchObject({ ids: ['T002', 'T003', 'T002'] });
    expect(() => assertValidGraph(doc)).toThrow('f.md:2: task T001 depends on unknown task T009');
  });

  it('finds a cycle through a phase barrier', () => {
    const doc = parseTasks('## Phase 1: A\n- [ ] T001 a Depends: T002\n## Phase 2: B\n- [ ] T002 b\n');
    expect(validateGraph(doc)).toEqual([expect.objectContaining({ kind: 'cycle', ids: ['T001', 'T002', 'T001'] })]);
  });
});

describe('round trip: writes change only the affected line', () => {
  const cases = Object.entries(CORPUS).flatMap(([name, text]) => parseTasks(text).tasks.map((t) => [name, t.id] as const));

  it.each(cases)('%s %s: set status flips one byte and back', (name, id) => {
    const text = CORPUS[name] as string;
    const before = parseTasks(text).byId.get(id);
    const flipped = setTaskStatus(text, id, !before?.done);
    expect(flipped.changed).toBe(true);
    expect(flipped.text.length).toBe(text.length);
    const diffs = Array.from({ length: text.length }, (_, i) => i).filter((i) => text[i] !== flipped.text[i]);
    expect(diffs).toEqual([before?.checkOffset]);
    expect(parseTasks(flipped.text).byId.get(id)?.done).toBe(!before?.done);
    const back = setTaskStatus(flipped.text, id, Boolean(before?.done));
    expect(setTaskStatus(text, id, Boolean(before?.done)).changed).toBe(false);
    // `[x]` written back as done keeps `[X]` (Spec-Kit's spelling); undone then done gives `[X]`
    if (!before?.done || text[before.checkOffset] === 'X') expect(back.text).toBe(text);
  });

  it.each(cases)('%s %s: a note is one inserted line', (name, id) => {
    const text = CORPUS[name] as string;
    const edit = appendTaskNote(text, id, 'Blocked on review — レビュー待ち');
    const doc = parseTasks(edit.text);
    expect(doc.byId.get(id)?.notes.at(-1)).toBe('Blocked on review — レビュー待ち');
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const inserted = edit.text.length - text.length;
    const at = parseTasks(text).byId.get(id)?.endOffset as number;
    expect(edit.text.slice(0, at) + edit.text.slice(at + inserted)).toBe(text);
    expect(edit.text.slice(at, at + inserted)).toMatch(new RegExp(`^${eol}\\s+- Blocked on review`));
    expect(doc.tasks.length).toBe(parseTasks(text).tasks.length);
  });

  it('refuses unknown ids and multi-line notes', () => {
    const text = CORPUS['review-loop.md'] as string;
    expect(() => setTaskStatus(text, 'T404', true)).toThrow(UnknownTaskError);
    expect(() => setTaskStatus(text, 'T404', true)).toThrow('no task "T404" (tasks: T001, T002');
    expect(() => appendTaskNote(text, 'T001', 'a\nb')).toThrow('note for T001 must be one non-empty line');
    expect(() => appendTaskNote(text, 'T001', '  ')).toThrow(SpecKitError);
  });
});
