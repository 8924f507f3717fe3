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
  reexecWithOperatorHeap();
  const entry = new URL('../dist/src/cli/main.js', import.meta.url);
  if (!existsSync(entry)) {
    process.stderr.write('weft is not built: run `npm run build` first\n');
    process.exit(1);
  }
  const { main } = await import(entry.href);
  process.exit(await main(process.argv));
}

/**
 * The long-running commands (`operator`, `up`, `mcp`) run with a bounded young generation. V8 sizes it
 * from the machine's memory, not the process's needs: on a 24 GiB host its semi-spaces grow to
 * 64 MiB each during a burst of watch events and stay resident (~75 MiB of RSS in
 * `npm run bench:runtime`). 8 MiB semi-spaces cost a few percent more CPU in scavenges. V8 reads
 * the flag only at start-up, so the process re-executes itself in place (same PID, so signals and
 * PID 1 in a container are unaffected). An explicit --max-semi-space-size (command line or
 * NODE_OPTIONS) wins.
 */
function reexecWithOperatorHeap() {
  const HEAP_FLAGS = ['--max-semi-space-size=8'];
  const command = process.argv[2];
  if (command !== 'operator' && command !== 'up' && command !== 'mcp') return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => a.startsWith('--max-semi-space-size'))) return;
  if (typeof process.execve !== 'function' || process.platform === 'win32') return;
  try {
    process.execve(process.execPath, [process.execPath, ...HEAP_FLAGS, ...process.execArgv, ...process.argv.slice(1)], process.env);
  } catch (err) {
    // execve returns only on failure: run as is, with V8's default young generation.
    process.stderr.write(`weft: could not restart with ${HEAP_FLAGS.join(' ')} (${err.message}); continuing without\n`);
  }
}
