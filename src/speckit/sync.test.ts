import { parseTasks } from './tasks.js';
import { concurrencyGroup, featureName, LABEL_FEATURE, LABEL_REPO, LABEL_TASK, orderDependencies, planSync, repoLabel, SyncError, taskName } from './sync.js';

const TASKS = `# Tasks: Login

## Phase 1: Setup

- [X] T001 Create the project skeleton
- [ ] T002 [P] Add the lint config in .eslintrc.json
- [ ] T003 [P] Add the test runner in jest.config.js

## Phase 2: User Story 1

- [ ] T004 [US1] Write the login form in src/login.ts
- [ ] T005 [US1] Wire the redirect in src/redirect.ts Depends: T004
`;
const o = { repoUrl: 'http://127.0.0.1:3000/weft/demo.git', feature: 'specs/001-login', namespace: 'team', org: 'acme', credentialsSecret: 'forge' };

describe('planSync (tasks.md → AgentTasks)', () => {
  it('one AgentTask per open task: stable names, labels, the Spec-Kit source, the title annotation', () => {
    const plan = planSync(parseTasks(TASKS), o);
    expect(plan.tasks.map((t) => t.metadata.name)).toEqual(['001-login-t002', '001-login-t003', '001-login-t004', '001-login-t005']);
    expect(plan.done).toEqual(['T001']);
    const t4 = plan.tasks[2]!;
    expect(t4.metadata.labels).toEqual({ [LABEL_FEATURE]: '001-login', [LABEL_TASK]: 'T004', [LABEL_REPO]: repoLabel(o.repoUrl) });
    expect(t4.metadata.annotations?.['weft.dev/title']).toBe('T004: Write the login form in src/login.ts');
    expect(t4.spec).toMatchObject({ org: 'acme', repo: { url: o.repoUrl, baseBranch: 'main', credentialsSecretRef: { name: 'forge' } }, source: { specKit: { path: 'specs/001-login/tasks.md', taskId: 'T004' } } });
    expect(plan.selector).toBe(`${LABEL_FEATURE}=001-login,${LABEL_REPO}=${repoLabel(o.repoUrl)}`);
    // Planning twice gives the same objects (re-sync changes nothing).
    expect(planSync(parseTasks(TASKS), o)).toEqual(plan);
  });

  it('dependencies: [P] tasks of a phase side by side after the previous phase; Depends: honoured; done tasks are no dependency', () => {
    const byName = new Map(planSync(parseTasks(TASKS), o).tasks.map((t) => [t.metadata.name, t.spec.dependsOn]));
    expect(byName.get('001-login-t002')).toBeUndefined(); // its phase's predecessor T001 is done
    expect(byName.get('001-login-t003')).toBeUndefined();
    expect(byName.get('001-login-t004')).toEqual(['001-login-t002', '001-login-t003']);
    expect(byName.get('001-login-t005')).toEqual(expect.arrayContaining(['001-login-t004']));
  });

  it('document order: a task without [P] waits for the tasks before it in its phase; [P] tasks wait for the last one without [P]', () => {
    const doc = parseTasks('## Phase 1: A\n\n- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 d\n- [ ] T005 e\n\n## Phase 2: B\n\n- [ ] T006 [P] f\n- [ ] T007 g\n');
    expect(Object.fromEntries(orderDependencies(doc))).toEqual({ T002: ['T001'], T003: ['T001'], T004: ['T002', 'T003'], T005: ['T004'], T007: ['T006'] });
    const byName = new Map(planSync(doc, o).tasks.map((t) => [t.metadata.name, t.spec.dependsOn]));
    expect(byName.get('001-login-t006')).toEqual(['001-login-t001', '001-login-t002', '001-login-t003', '001-login-t004', '001-login-t005']);
    // An explicit Depends: on a later task of the same phase, without [P], would wait forever: refused with the line.
    expect(() => planSync(parseTasks('## Phase 1: A\n\n- [ ] T001 a Depends: T002\n- [ ] T002 b\n'), o)).toThrow(/tasks\.md:3: dependency cycle T001 → T002 → T001 \(tasks without \[P\] run in document order/);
  });

  it('--max-parallel: one concurrency group per repository and feature', () => {
    const plan = planSync(parseTasks(TASKS), { ...o, maxParallel: 2 });
    expect(plan.tasks.every((t) => t.spec.concurrency?.group === '127.0.0.1:3000/weft/demo#001-login' && t.spec.concurrency.limit === 2)).toBe(true);
    expect(planSync(parseTasks(TASKS), o).tasks[0]!.spec.concurrency).toBeUndefined();
    expect(concurrencyGroup(`https://h/${'x'.repeat(300)}.git`, '001-a')).toBe(`${repoLabel(`https://h/${'x'.repeat(300)}.git`)}#001-a`);
  });

  it('the template gives every task its agent and toolchain; the plan keeps org, repo and source its own', () => {
    const plan = planSync(parseTasks(TASKS), { ...o, template: { agent: { driver: 'scripted', steps: [{ run: 'true' }] }, toolchain: { test: ['npm test'] }, org: 'ignored' } as never });
    expect(plan.tasks[0]!.spec).toMatchObject({ org: 'acme', agent: { driver: 'scripted' }, toolchain: { test: ['npm test'] } });
  });

  it('a cycle or an unknown id is refused naming the line; a duplicate id is refused by the parser with both lines', () => {
    const cyc = '## Phase 1: A\n\n- [ ] T001 a Depends: T002\n- [ ] T002 b Depends: T001\n- [ ] T003 c Depends: T009\n';
    expect(() => planSync(parseTasks(cyc), o)).toThrow(SyncError);
    expect(() => planSync(parseTasks(cyc), o)).toThrow(/tasks\.md:5: .*T009/);
    expect(() => planSync(parseTasks(cyc), o)).toThrow(/tasks\.md:[34]: .*cycle/i);
    expect(() => parseTasks('- [ ] T001 a\n- [ ] T001 b\n')).toThrow('tasks.md:2: duplicate task id T001: lines 1 and 2');
  });

  it('feature names: specs/NNN-name or NNN-name; anything else names the flag and the form', () => {
    expect(featureName('specs/001-login')).toBe('001-login');
    expect(featureName('./specs/002-x/tasks.md')).toBe('002-x');
    expect(featureName('003-y')).toBe('003-y');
    expect(() => featureName('login')).toThrow('--feature "login" is not a Spec-Kit feature directory: expected specs/NNN-name (e.g. specs/001-login)');
  });

  it('names stay short, DNS-safe and unique for long features', () => {
    const long = `001-${'very-long-feature-name-'.repeat(5)}`;
    const a = taskName(long, 'T001');
    expect(a.length).toBeLessThanOrEqual(52);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(taskName(`${long}x`, 'T001')).not.toBe(a);
    expect(taskName('001-Login_Page', 'T012a')).toBe('001-login-page-t012a');
  });
});
