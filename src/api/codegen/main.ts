import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from '../../version.js';
import { generate } from './generate.js';

/** `npm run generate`: writes every generated file from src/api/*\/schema.yaml. */
async function main(): Promise<void> {
  const root = packageRoot();
  const files = await generate(join(root, 'src', 'api'));
  for (const [path, content] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  process.stderr.write(`generated ${files.size} files\n`);
}

export { stringify };
main().catch((err: unknown) => {
  process.stderr.write(`generate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
