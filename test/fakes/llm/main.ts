/**
 * Runs the fake LLM as a process: `node dist/test/fakes/llm/main.js SCRIPT.yaml [PORT]` with the key
 * in FAKE_LLM_API_KEY; prints the base URL on stdout and serves until SIGTERM/SIGINT.
 */
import { loadScript } from './script.js';
import { startFakeLlm } from './server.js';

const [scriptPath, port] = process.argv.slice(2);
if (!scriptPath) {
  process.stderr.write('usage: main.js SCRIPT.yaml [PORT]  (API key in FAKE_LLM_API_KEY)\n');
  process.exit(2);
}
const llm = await startFakeLlm({ script: await loadScript(scriptPath), apiKey: process.env.FAKE_LLM_API_KEY ?? 'sk-fake', port: port ? Number(port) : 0 });
process.stdout.write(`${llm.url}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void llm.close().then(() => process.exit(0)));
