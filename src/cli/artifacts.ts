import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FlagError } from '../config/errors.js';
import { EXIT, type CliIO } from './io.js';

interface UploadFlags {
  operator: string;
  tokenFile: string;
  dest: string;
  workspace: string;
  maxFileBytes: string;
  maxTotalBytes?: string;
  concurrency: string;
}

function positiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new FlagError(flag, `"${value}" is not a positive integer`);
  return Number(value);
}

/**
 * Adds `weft artifacts upload`: run in a Job's or AgentTask's pod after its main step, it uploads
 * the declared globs through the operator and prints the manifest (JSON) on stdout; the controller
 * puts its `artifacts` into `status.artifacts`. Exit 1 when anything was refused or failed (the
 * manifest is printed anyway), 2 on a bad flag.
 */
export function addArtifactCommands(program: Command, io: CliIO, run: (fn: () => Promise<number>) => () => void): void {
  const artifacts = program.command('artifacts').description("publish a run's artifacts through the operator (in Job and AgentTask pods)");
  artifacts
    .command('upload')
    .description('upload files matching GLOB… (relative to --workspace) to the operator; prints the manifest as JSON')
    .argument('<glob...>', 'patterns relative to the workspace, e.g. "reports/**/*.xml"')
    .requiredOption('--operator <url>', "the operator's URL, e.g. http://weft-operator.weft-system.svc:8080")
    .requiredOption('--token-file <path>', 'the projected ServiceAccount token (audience weft), e.g. /var/run/secrets/weft/token')
    .requiredOption('--dest <ns/kind/name/attempt>', 'the run, e.g. team-a/job/build-1/1')
    .option('--workspace <dir>', 'the workspace the globs are relative to', process.cwd())
    .option('--max-file-bytes <n>', 'refuse files larger than this', String(5 * 1024 ** 3))
    .option('--max-total-bytes <n>', 'refuse files past this total')
    .option('--concurrency <n>', 'files uploaded at once', '4')
    .action((globs: string[], o: UploadFlags) =>
      run(async () => {
        const { parseDest } = await import('../artifacts/manifest.js');
        const { uploadThroughOperator } = await import('../artifacts/client.js');
        let dest;
        try {
          dest = parseDest(o.dest);
        } catch (err) {
          throw new FlagError('--dest', (err as Error).message);
        }
        const token = (await readFile(o.tokenFile, 'utf8').catch((err: Error) => Promise.reject(new FlagError('--token-file', `cannot read ${o.tokenFile}: ${err.message}`)))).trim();
        if (!token) throw new FlagError('--token-file', `${o.tokenFile} is empty: mount a projected ServiceAccount token with audience weft`);
        const manifest = await uploadThroughOperator({
          operator: o.operator,
          token,
          dest,
          workspace: o.workspace,
          patterns: globs,
          maxFileBytes: positiveInt('--max-file-bytes', o.maxFileBytes),
          maxTotalBytes: o.maxTotalBytes === undefined ? undefined : positiveInt('--max-total-bytes', o.maxTotalBytes),
          concurrency: positiveInt('--concurrency', o.concurrency),
        });
        io.out(`${JSON.stringify(manifest, null, 2)}\n`);
        for (const r of manifest.refused) io.err(`refused: ${r.message}\n`);
        if (manifest.error) io.err(`error: ${manifest.error}\n`);
        return manifest.ok ? EXIT.ok : EXIT.failure;
      })(),
    );
}
