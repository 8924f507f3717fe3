/**
 * Forges behind one interface ({@link ForgeProvider}): Gitea and GitHub over REST, Radicle over its
 * CLI. See docs/forge.md.
 */
export * from './types.js';
export * from './errors.js';
export { GiteaForge, type GiteaForgeOptions } from './gitea.js';
export { GitHubForge, type GitHubForgeOptions } from './github.js';
export { RadicleForge, type RadicleForgeOptions } from './radicle.js';
export { tokenFromSecret, type SecretLike } from './secret.js';
export { runGit, gitAuthEnv, basicAuth } from './git.js';
