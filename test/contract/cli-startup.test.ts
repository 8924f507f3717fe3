import { execa } from 'execa';
import { WEFT, requireBuild } from './mcp-helpers.js';

/**
 * The commands a pod runs (`weft artifacts upload` after every Job and AgentTask step) and the
 * light client commands start without loading the operator: its server, store and cluster
 * libraries cost a second and a half of CPU per start before anything was uploaded. A resolve
 * hook (`--import`) records every module the command loads.
 */
const RECORD = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...seen]) + '\\n'));
`)}`;

const HEAVY = ['fastify', '@aws-sdk/client-s3', '@kubernetes/client-node', '@opentelemetry/sdk-node', '@modelcontextprotocol/server'];

async function loaded(args: string[]): Promise<string[]> {
  const r = await execa(process.execPath, ['--import', RECORD, WEFT, ...args], { reject: false });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`weft ${args.join(' ')} printed no module list (exit ${r.exitCode}): ${r.stderr}`);
  return JSON.parse(line.slice('LOADED '.length)) as string[];
}

const packagesIn = (urls: string[]) => HEAVY.filter((p) => urls.some((u) => u.includes(`/node_modules/${p}/`)));

describe('CLI start-up', () => {
  beforeAll(requireBuild);

  it.each([[['artifacts', 'upload', '--help']], [['speckit', 'sync', '--help']], [['--version']]])('weft %j loads none of the operator libraries', async (args) => {
    const urls = await loaded(args);
    expect(urls.some((u) => u.endsWith('/dist/src/cli/main.js'))).toBe(true); // the hook saw the CLI load
    expect(packagesIn(urls)).toEqual([]);
  });

  it('the recorder sees a library the code loads (so the check above can fail)', async () => {
    const r = await execa(process.execPath, ['--import', RECORD, '--input-type=module', '-e', "await import('fastify'); await import('@kubernetes/client-node');"], { cwd: new URL('../..', import.meta.url).pathname });
    const urls = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('LOADED '))!.slice('LOADED '.length)) as string[];
    expect(packagesIn(urls)).toEqual(['fastify', '@kubernetes/client-node']);
  });
});
