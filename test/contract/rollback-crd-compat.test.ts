/**
 * docs/rollback/crd-compat.mjs (issue 21, CRD rollback safety): the committed CRDs are compatible
 * with themselves; a removed field, a changed type, an unserved version and a removed CRD are each
 * refused with exit 1 and a line naming the CRD, the version and the field.
 */
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'docs', 'rollback', 'crd-compat.mjs');
const run = (...args: string[]) => execa(process.execPath, [SCRIPT, ...args], { cwd: ROOT, reject: false });

describe('docs/rollback/crd-compat.mjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-crd-compat-'));
    cpSync(join(ROOT, 'crds'), join(dir, 'new'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the committed CRDs against themselves: compatible, exit 0', async () => {
    const r = await run('crds', 'crds');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/crd-compat: \d+ CRD\(s\) compatible/);
  });

  it('a removed field, a changed type and an unserved version are refused, each named', async () => {
    const file = join(dir, 'new', 'agenttasks.weft.dev.yaml');
    const crd = YAML.parse(readFileSync(file, 'utf8'));
    const v = crd.spec.versions[0];
    const spec = v.schema.openAPIV3Schema.properties.spec.properties;
    delete spec.suspend;
    spec.timeoutSeconds.type = 'string';
    writeFileSync(file, YAML.stringify(crd));
    const r = await run('crds', join(dir, 'new'));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`agenttasks.weft.dev ${v.name}: field spec.suspend removed (stored values would be pruned)`);
    expect(r.stdout).toContain(`agenttasks.weft.dev ${v.name}: field spec.timeoutSeconds changed type integer → string`);
    v.served = false;
    writeFileSync(file, YAML.stringify(crd));
    expect((await run('crds', join(dir, 'new'))).stdout).toContain(`agenttasks.weft.dev ${v.name}: no longer served`);
    rmSync(file);
    expect((await run('crds', join(dir, 'new'))).stdout).toContain('agenttasks.weft.dev: the CRD is gone');
  });

  it('a new field is fine (old objects still validate); usage errors exit 2', async () => {
    const r = await run(join(dir, 'new'), 'crds');
    expect(r.stdout).not.toContain('removed');
    expect((await run('crds')).exitCode).toBe(2);
  });
});
