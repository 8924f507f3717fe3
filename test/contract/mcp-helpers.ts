import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

/** `bin/weft.js`, which runs the built CLI (`npm run build` first; `npm test` does). */
export const WEFT = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));
export const TOKEN = 'test-token-0123456789abcdef';

/** Fails early, with the fix, when the CLI is not built. */
export function requireBuild(): void {
  if (!existsSync(new URL('../../dist/src/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does)');
}

/** An SDK client talking to `weft mcp <args>` over stdio. */
export async function stdioClient(args: string[]): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [WEFT, 'mcp', ...args], stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: 'weft-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

/** A running `weft mcp <args> --http 127.0.0.1:0` process and its endpoint URL. */
export interface HttpServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `weft mcp … --http 127.0.0.1:0` and waits for its "listening on" line (no fixed sleep). */
export function startHttp(args: string[], env: Record<string, string> = { WEFT_MCP_TOKEN: TOKEN }): Promise<HttpServer> {
  const child = spawn(process.execPath, [WEFT, 'mcp', ...args, '--http', '127.0.0.1:0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 30 s; stderr: ${err}`)), 30_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`weft mcp exited with ${code}: ${err}`));
    });
  });
}

/** An SDK client over streamable HTTP with the bearer token. */
export async function httpClient(url: string, token = TOKEN): Promise<Client> {
  const client = new Client({ name: 'weft-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

/** Runs `weft <args>` to completion and returns its exit code and output. */
export function runWeft(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [WEFT, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/** Text of a tool result. */
export function resultText(r: unknown): string {
  return ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('\n');
}
