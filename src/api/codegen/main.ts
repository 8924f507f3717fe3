import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { generate } from './generate.js';

/** `npm run generate`: writes every generated file from src/api/*\/schema.yaml (only files that changed). */
async function main(): Promise<void> {
  // npm runs scripts in the package root (src/api is a leaf: it does not import src/version.ts).
  const root = process.cwd();
  if (!existsSync(join(root, 'src', 'api', 'common', 'defs.yaml'))) throw new Error(`run it from the repository root (npm run generate); ${root} has no src/api/common/defs.yaml`);
  const files = await generate(join(root, 'src', 'api'));
  let changed = 0;
  for (const [path, content] of files) {
    const target = join(root, path);
    const before = await readFile(target, 'utf8').catch(() => undefined);
    if (before === content) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    changed++;
  }
  process.stderr.write(`generated ${files.size} files (${changed} changed)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`generate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
