/**
 * npm run bench:mcp — the Obsidian vault server on a generated 10,000-note vault (cold index, search
 * p50/p99, run_query_set p99, RSS), the same searches through `obsidian-mcp` over stdio for the
 * ratio, and the Spec-Kit parser on a 10,000-task tasks.md. Loopback and temp folders only.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { VaultIndex } from '../src/mcp/obsidian/vault-index.js';
import { runQuerySet } from '../src/mcp/obsidian/query-sets.js';
import { parseTasks, validateGraph } from '../src/speckit/index.js';
import { generateVault } from './mcp-vault.js';

const NOTES = Number(process.env.BENCH_NOTES ?? 10_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

function queries(vocabulary: readonly string[]): string[] {
  return Array.from({ length: QUERIES }, (_, i) => {
    const w = vocabulary[(i * 7) % vocabulary.length] as string;
    const v = vocabulary[(i * 13 + 5) % vocabulary.length] as string;
    return i % 3 === 0 ? w : i % 3 === 1 ? `${w} ${v}` : `Note ${String((i * 37) % NOTES).padStart(5, '0')}`;
  });
}

function rssMb(pid: number | null | undefined): number {
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function stdioServer(command: string[]): Promise<{ client: Client; pid: number | null; startMs: number }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: command, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  const [startMs] = await timed(() => client.connect(transport));
  return { client, pid: transport.pid, startMs };
}

async function latencies(qs: string[], call: (q: string) => Promise<unknown>): Promise<number[]> {
  for (const q of qs.slice(0, 10)) await call(q); // warm-up
  const out: number[] = [];
  for (const q of qs) out.push((await timed(() => call(q)))[0]);
  return out;
}

function tasksMd(n: number): string {
  const lines = ['# Tasks: Bench', ''];
  for (let i = 1; i <= n; i++) {
    if ((i - 1) % 100 === 0) lines.push('', `## Phase ${(i - 1) / 100 + 1}: Phase ${(i - 1) / 100 + 1}`, '');
    const id = `T${String(i).padStart(5, '0')}`;
    const dep = i % 10 === 0 ? ` Depends: T${String(i - 1).padStart(5, '0')}` : '';
    lines.push(`- [${i % 3 === 0 ? 'X' : ' '}] ${id}${i % 2 ? ' [P]' : ''} [US${(i % 5) + 1}] Implement part ${i} in src/part/${i}.ts${dep}`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-mcp-'));
  try {
    const [genMs, vault] = await timed(() => generateVault(join(dir, 'vault'), NOTES));
    console.log(`bench:mcp — vault of ${NOTES} notes generated in ${Math.round(genMs)} ms`);
    const rssBefore = process.memoryUsage().rss;
    const [indexMs, index] = await timed(() => VaultIndex.open(vault.root));
    const inRss = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    const qs = queries(vault.vocabulary);
    const inSearch = await latencies(qs, async (q) => index.search(q, { limit: 20 }));
    const sets = ['Queries/Projects', 'Queries/Saved searches'];
    const inQuery = await latencies(Array.from({ length: 50 }, (_, i) => sets[i % 2] as string), async (n) => runQuerySet(index, n, { limit: 50 }));
    index.close();

    const weft = await stdioServer([join(ROOT, 'bin/weft.js'), 'mcp', 'obsidian', '--vault', vault.root, '--no-watch']);
    const weftSearch = await latencies(qs, (q) => weft.client.callTool({ name: 'search', arguments: { query: q, limit: 20 } }));
    const weftQuery = await latencies(Array.from({ length: 50 }, (_, i) => sets[i % 2] as string), (n) => weft.client.callTool({ name: 'run_query_set', arguments: { name: n, limit: 50 } }));
    const weftRss = rssMb(weft.pid);
    await weft.client.close();

    const other = await stdioServer([join(ROOT, 'node_modules/obsidian-mcp/dist/main.js'), 'serve', '--vault', `bench=${vault.root}`]);
    const otherSearch = await latencies(qs.slice(0, Math.min(qs.length, 60)), (q) => other.client.callTool({ name: 'obsidian_search_vault', arguments: { vault: 'bench', query: q, limit: 20 } }));
    const otherRss = rssMb(other.pid);
    await other.client.close();

    const text = tasksMd(TASKS);
    parseTasks(text);
    const parseMs: number[] = [];
    for (let i = 0; i < 10; i++) parseMs.push((await timed(() => parseTasks(text, 'tasks.md')))[0]);
    const [graphMs, issues] = await timed(() => validateGraph(parseTasks(text)));

    const ratio = pct(otherSearch, 99) / pct(weftSearch, 99);
    console.log('\nObsidian vault server');
    console.log(`  cold index (in-process)            ${ms(indexMs)}  (goal < 5000 ms)`);
    console.log(`  server start over stdio (index)    ${ms(weft.startMs)}`);
    console.log(`  search in-process p50 / p99        ${ms(pct(inSearch, 50))} / ${ms(pct(inSearch, 99))}`);
    console.log(`  search over stdio  p50 / p99       ${ms(pct(weftSearch, 50))} / ${ms(pct(weftSearch, 99))}  (goal p99 < 20 ms)`);
    console.log(`  run_query_set in-process p99       ${ms(pct(inQuery, 99))}`);
    console.log(`  run_query_set over stdio p50 / p99 ${ms(pct(weftQuery, 50))} / ${ms(pct(weftQuery, 99))}`);
    console.log(`  RSS of the server process          ${weftRss.toFixed(0)} MB  (goal < 300 MB; index in-process +${inRss.toFixed(0)} MB)`);
    console.log('\nobsidian-mcp 2.0.1 (same vault, same searches, stdio)');
    console.log(`  start                              ${ms(other.startMs)}`);
    console.log(`  search p50 / p99                   ${ms(pct(otherSearch, 50))} / ${ms(pct(otherSearch, 99))}  (${otherSearch.length} queries)`);
    console.log(`  RSS                                ${otherRss.toFixed(0)} MB`);
    console.log(`  ratio p99 obsidian-mcp / weft      ${ratio.toFixed(1)}×  (goal ≥ 2×)`);
    console.log(`  ratio p50 obsidian-mcp / weft      ${(pct(otherSearch, 50) / pct(weftSearch, 50)).toFixed(1)}×`);
    console.log('\nSpec-Kit');
    console.log(`  parse ${TASKS}-task tasks.md p50 / max  ${ms(pct(parseMs, 50))} / ${ms(Math.max(...parseMs))}  (goal < 50 ms)`);
    console.log(`  validateGraph (unknown ids, cycles) ${ms(graphMs)}  (${issues.length} issues)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
