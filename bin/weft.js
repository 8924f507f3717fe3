#!/usr/bin/env node
// The weft CLI. Weft needs Node.js 24: when started by an older `node` (outside npm scripts, which
// put the project's node@24 first on PATH), re-run under the bundled node@24 binary.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const bundled = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(`weft needs Node.js >= 24 (this is ${process.version}); run \`npm ci\` to install the bundled node@24\n`);
    process.exit(1);
  }
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  const entry = new URL('../dist/src/cli/main.js', import.meta.url);
  if (!existsSync(entry)) {
    process.stderr.write('weft is not built: run `npm run build` first\n');
    process.exit(1);
  }
  const { main } = await import(entry.href);
  process.exit(await main(process.argv));
}
