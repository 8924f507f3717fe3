import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Build information printed by `weft version` and served in `/health`. */
export interface VersionInfo {
  version: string;
  node: string;
  platform: string;
}

function findPackageJson(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    try {
      const path = join(dir, 'package.json');
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string };
      if (pkg.name === 'weft') return path;
    } catch {
      // not here: look one level up
    }
    dir = dirname(dir);
  }
  throw new Error(`package.json of weft not found above ${start}`);
}

/** The weft version from package.json (works from src/ under ts-jest and from dist/). */
export function versionInfo(): VersionInfo {
  const pkg = JSON.parse(readFileSync(findPackageJson(dirname(fileURLToPath(import.meta.url))), 'utf8')) as {
    version: string;
  };
  return { version: pkg.version, node: process.version, platform: `${process.platform}/${process.arch}` };
}

/** Absolute path of the repository (or installed package) root. */
export function packageRoot(): string {
  return dirname(findPackageJson(dirname(fileURLToPath(import.meta.url))));
}
