/**
 * `weft speckit sync`: a Spec-Kit feature's tasks.md (from the forge at the base branch, or a local
 * file) → one AgentTask per open task, applied with server-side apply (or printed as YAML for GitOps).
 * Re-running changes nothing: tasks whose applied fields already match are not sent at all.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import YAML from 'yaml';
import { FlagError } from '../config/errors.js';
import { parseTasks } from '../speckit/index.js';
import { featureName, planSync, SyncError, type SyncOptions, type SyncPlan } from '../speckit/sync.js';
import { EXIT, type CliIO } from './io.js';

export interface SyncFlags {
  repo: string;
  feature: string;
  namespace: string;
  org?: string;
  base: string;
  credentialsSecret?: string;
  tokenFile?: string;
  file?: string;
  template?: string;
  output?: string;
  dryRun?: boolean;
  kubeconfig?: string;
  concurrency: string;
  maxParallel?: string;
}

/** tasks.md from a local file, or from the forge at the base branch with the token. */
async function readTasksMd(f: SyncFlags, feature: string, env: NodeJS.ProcessEnv): Promise<{ text: string; file: string }> {
  if (f.file) return { text: await readFile(f.file, 'utf8').catch((err: Error) => Promise.reject(new FlagError('--file', `cannot read ${f.file}: ${err.message}`))), file: f.file };
  const [{ repoLocation }, { readTasksFromForge }] = await Promise.all([import('../agents/repo.js'), import('../agents/speckit-sync.js')]);
  if (!repoLocation(f.repo)) throw new FlagError('--repo', `"${f.repo}" has no forge API to read tasks.md from (http(s) Gitea or GitHub URLs only); pass the file with --file`);
  const token = f.tokenFile ? (await readFile(f.tokenFile, 'utf8').catch((err: Error) => Promise.reject(new FlagError('--token-file', `cannot read ${f.tokenFile}: ${err.message}`)))).trim() : (env.WEFT_FORGE_TOKEN ?? '');
  return readTasksFromForge({ repoUrl: f.repo, feature, ref: f.base, token });
}

async function templateOf(f: SyncFlags): Promise<SyncOptions['template']> {
  if (!f.template) return { agent: { driver: 'weft-agent', endpointSecretRef: { name: 'llm' } } } as SyncOptions['template'];
  const text = await readFile(f.template, 'utf8').catch((err: Error) => Promise.reject(new FlagError('--template', `cannot read ${f.template}: ${err.message}`)));
  const doc = YAML.parse(text) as { spec?: SyncOptions['template'] } | SyncOptions['template'] | null;
  const spec = doc && typeof doc === 'object' && 'spec' in doc ? (doc as { spec?: SyncOptions['template'] }).spec : (doc as SyncOptions['template']);
  if (!spec || typeof spec !== 'object') throw new FlagError('--template', `${f.template} is not an AgentTask spec (YAML with agent:, toolchain:, … or an AgentTask with spec:)`);
  return spec;
}

/** `weft speckit sync`. */
/** The plan of the flags' feature, or the error that names the line or the flag. */
async function planOf(f: SyncFlags, env: NodeJS.ProcessEnv): Promise<SyncPlan | Error> {
  try {
    const feature = featureName(f.feature);
    const maxParallel = f.maxParallel === undefined ? undefined : Number(f.maxParallel);
    if (maxParallel !== undefined && (!Number.isInteger(maxParallel) || maxParallel < 1)) throw new FlagError('--max-parallel', `"${f.maxParallel}" is not a positive integer`);
    const { text, file } = await readTasksMd(f, feature, env);
    return planSync(parseTasks(text, file), { repoUrl: f.repo, feature, namespace: f.namespace, org: f.org ?? f.namespace, baseBranch: f.base, ...(f.credentialsSecret ? { credentialsSecret: f.credentialsSecret } : {}), ...(maxParallel ? { maxParallel } : {}), template: await templateOf(f) });
  } catch (err) {
    // Bad tasks.md (line numbers), a bad --feature, or the forge's typed errors (not found, auth): said, exit 1.
    if (err instanceof SyncError || /^(SpecKitError|Forge\w*Error)$/.test((err as Error).name)) return err as Error;
    throw err;
  }
}

export async function speckitSync(f: SyncFlags, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (f.output !== undefined && f.output !== 'yaml') throw new FlagError('-o', `"${f.output}" is not an output format: use -o yaml`);
  const concurrency = Number(f.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new FlagError('--concurrency', `"${f.concurrency}" is not a positive integer`);
  const plan = await planOf(f, env);
  if (plan instanceof Error) {
    io.err(`error: ${plan.message}\n`);
    return EXIT.failure;
  }
  if (f.output === 'yaml') {
    io.out(plan.tasks.map((t) => YAML.stringify(t)).join('---\n'));
    return EXIT.ok;
  }
  // The cluster client loads only when something is applied (the CLI starts faster for the rest).
  const [{ RestClient }, { loadKubeConfig }, { applySync }] = await Promise.all([import('../runtime/rest.js'), import('../runtime/load-kubeconfig.js'), import('../agents/speckit-sync.js')]);
  const rest = new RestClient(await loadKubeConfig(f.kubeconfig, env).toClientNode());
  const r = await applySync(rest, plan, f.namespace, { dryRun: f.dryRun === true, concurrency }).catch((err: unknown) => (err instanceof SyncError ? err : Promise.reject(err)));
  if (r instanceof SyncError) {
    io.err(`error: ${r.message}\n`);
    return EXIT.failure;
  }
  const verb = f.dryRun ? 'would be ' : '';
  for (const n of r.created) io.out(`agenttask/${n} ${verb}created\n`);
  for (const n of r.updated) io.out(`agenttask/${n} ${verb}updated\n`);
  for (const x of r.removed) io.out(`agenttask/${x.name}: task ${x.taskId} is no longer in tasks.md; left in place (delete it with: kubectl -n ${f.namespace} delete agenttask ${x.name})\n`);
  io.out(`${plan.feature}: ${plan.tasks.length} open task(s), ${r.done.length} done; ${r.created.length} ${verb}created, ${r.updated.length} ${verb}updated, ${r.unchanged.length} unchanged\n`);
  return EXIT.ok;
}

/** Adds `weft speckit sync`. */
export function addSpeckitCommands(program: Command, io: CliIO, run: (fn: () => Promise<number>) => () => void): void {
  const sk = program.command('speckit').description('Spec-Kit features → AgentTasks');
  sk.command('sync')
    .description("create or update one AgentTask per open task of a feature's tasks.md (server-side apply; -o yaml prints them for GitOps)")
    .requiredOption('--repo <url>', 'the repository (clone URL), e.g. http://127.0.0.1:3000/weft/demo.git')
    .requiredOption('--feature <dir>', 'the feature directory, e.g. specs/001-login')
    .option('-n, --namespace <ns>', 'namespace of the AgentTasks', 'default')
    .option('--org <org>', 'spec.org of the AgentTasks (default: the namespace)')
    .option('--base <branch>', 'the branch tasks.md is read from and changes target', 'main')
    .option('--credentials-secret <name>', "spec.repo.credentialsSecretRef: the operator's forge token Secret in the namespace")
    .option('--token-file <path>', 'a forge token to read tasks.md with (default: $WEFT_FORGE_TOKEN)')
    .option('--file <path>', 'read tasks.md from this file instead of the forge')
    .option('--template <file>', 'YAML with the spec fields every task gets (agent, toolchain, budget, …), or an AgentTask whose spec is used')
    .option('-o, --output <format>', 'yaml: print the AgentTasks instead of applying them')
    .option('--dry-run', 'say what would be created or updated, apply nothing')
    .option('--kubeconfig <path>', 'default: $KUBECONFIG, else ~/.kube/config')
    .option('--max-parallel <n>', "agents of this feature that run at once (spec.concurrency; default: no limit)")
    .option('--concurrency <n>', 'applies in flight', '16')
    .action((o: SyncFlags) => run(() => speckitSync(o, io))());
}
