/**
 * The layering rules (`.dependency-cruiser.cjs`, run by `npm run lint`) catch what they promise: a
 * planted circular import, an import of src/cli from src/, a runtime that knows a kind, a pure
 * library doing HTTP. The fixture is a small tree in a temp dir cruised with the project's config.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

async function cruise(dir: string): Promise<{ exitCode: number; rules: string[]; output: string }> {
  const r = await execa(DEPCRUISE, ['src', 'controllers', 'webhooks', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: dir, reject: false });
  const output = `${r.stdout}\n${r.stderr}`;
  return { exitCode: r.exitCode ?? -1, rules: [...output.matchAll(/error ([a-z-]+):/g)].map((m) => m[1]!).sort(), output };
}

describe('layering rules (dependency-cruiser)', () => {
  let dir: string;
  const file = async (path: string, text: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-layers-'));
    await file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    await file('package.json', JSON.stringify({ name: 'fixture', type: 'module' }));
    await file('src/cli/main.ts', "export const main = 1;\n");
    await file('src/api/common/types.ts', 'export type Tag = string;\n');
    await file('src/api/workload/types.ts', 'export type Workload = { org: string };\n');
    await file('controllers/context.ts', 'export type Ctx = 1;\n');
    await file('webhooks/workload.ts', "import type { Workload } from '../src/api/workload/types.js';\nexport const w: Workload | undefined = undefined;\n");
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('the real tree has no violations', async () => {
    const r = await execa(DEPCRUISE, ['src', 'controllers', 'webhooks', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT, reject: false });
    expect(`${r.stdout}${r.stderr}`).toContain('no dependency violations');
    expect(r.exitCode).toBe(0);
  });

  it('a clean fixture passes (the rules are not trivially failing)', async () => {
    const r = await cruise(dir);
    expect(r.rules).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('fails on a planted circular import', async () => {
    await file('src/scheduler/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    await file('src/scheduler/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    const r = await cruise(dir);
    expect(r.rules).toContain('no-circular');
    expect(r.exitCode).not.toBe(0);
  });

  it('fails on an import of src/cli from src/', async () => {
    await file('src/cluster/x.ts', "import { main } from '../cli/main.js';\nexport const x = main;\n");
    const r = await cruise(dir);
    expect(r.rules).toEqual(['nothing-imports-the-composition-root']);
    expect(r.output).toContain('src/cluster/x.ts → src/cli/main.ts');
  });

  it('fails when the runtime imports a kind, the api imports upward, or a pure library imports the runtime', async () => {
    await file('src/runtime/informer.ts', "import type { Workload } from '../api/workload/types.js';\nexport const i: Workload | undefined = undefined;\n");
    await file('src/api/workload/helpers.ts', "import { i } from '../../runtime/informer.js';\nexport const h = i;\n");
    await file('src/policy/quota.ts', "import { i } from '../runtime/informer.js';\nexport const q = i;\n");
    const r = await cruise(dir);
    expect(r.rules).toEqual(['api-is-a-leaf', 'pure-libraries', 'runtime-knows-no-kind']);
  });
});
