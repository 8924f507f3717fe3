import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalGitea } from '../forge/local/gitea.js';
import { ForgeToolNotFoundError } from '../forge/local/binaries.js';
import { step, type CliIO } from './io.js';
import { DEMO_FEATURE, seedDemoRepo } from './demo-repo.js';

/** The local forge `weft up` runs (unless `--no-forge`): a real Gitea with a demo repository. */
export interface DemoForge {
  gitea: LocalGitea;
  /** `owner/name` of the seeded repository. */
  repo: string;
  /** Its Spec-Kit feature directory (under specs/). */
  feature: string;
  /** Files holding the admin's and reviewer's API tokens (mode 0600). */
  tokenFiles: { admin: string; reviewer: string };
  stop(): Promise<void>;
}

/**
 * Starts Gitea in `dir` (emptied first) on a free loopback port, with the admin `weft`, the
 * reviewer `reviewer` (a collaborator) and the repository `weft/demo`: a small Node.js project with the
 * Spec-Kit feature specs/001-greetings on `main` (src/cli/demo-repo.ts).
 */
export async function startDemoForge(dir: string, progress: (s: string) => void): Promise<DemoForge> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const gitea = await LocalGitea.start({ dir: join(dir, 'gitea'), onProgress: progress });
  try {
    progress('seeding the demo repository weft/demo');
    const repo = await gitea.createRepo('demo');
    await seedDemoRepo(gitea, repo);
    const tokenFiles = { admin: join(dir, 'admin.token'), reviewer: join(dir, 'reviewer.token') };
    await writeFile(tokenFiles.admin, `${gitea.admin.token}\n`, { mode: 0o600 });
    await writeFile(tokenFiles.reviewer, `${gitea.reviewer.token}\n`, { mode: 0o600 });
    return { gitea, repo, feature: DEMO_FEATURE, tokenFiles, stop: () => gitea.stop() };
  } catch (err) {
    await gitea.stop();
    throw err;
  }
}

/** `weft up`'s step that starts the forge, unless `enabled` is false (`--no-forge`). */
export async function startDemoForgeStep(io: CliIO, dir: string, enabled = true): Promise<DemoForge | undefined> {
  if (!enabled) return undefined;
  try {
    return await step(io, 'starting the local forge (Gitea on loopback)', (progress) => startDemoForge(dir, progress));
  } catch (err) {
    if (err instanceof ForgeToolNotFoundError) err.message += ' Or start without the forge: weft up --no-forge.';
    throw err;
  }
}

/** The lines `weft up` prints about the forge (none without one). */
export function forgeBanner(f: DemoForge | undefined): string[] {
  if (!f) return [];
  const g = f.gitea;
  return [
    `  forge          Gitea ${g.url}  (demo repository ${g.url}/${f.repo}, API ${g.url}/api/v1, see docs/forge.md)`,
    `                 admin ${g.admin.username} / ${g.admin.password} (API token in ${f.tokenFiles.admin})`,
    `                 reviewer ${g.reviewer.username} / ${g.reviewer.password} (API token in ${f.tokenFiles.reviewer})`,
    `    git -c http.extraHeader="Authorization: token $(cat ${f.tokenFiles.admin})" clone ${g.url}/${f.repo}.git`,
  ];
}
