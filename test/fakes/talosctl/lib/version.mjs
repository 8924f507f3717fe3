// The talosctl release this fake reproduces, and `talosctl version` output.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const TALOS_TAG = 'v1.13.9';
const SHA = '7f2d1c3e';
const GO_VERSION = 'go1.25.5';

/** Talos v1.13's default Kubernetes version; the fake follows the kube-apiserver it really starts. */
export const DEFAULT_K8S_VERSION = (() => {
  const file = join(REPO, 'hack', 'tools', 'versions.env');
  const m = existsSync(file) ? /^K8S_VERSION=(\S+)/m.exec(readFileSync(file, 'utf8')) : null;
  return (m?.[1] ?? 'v1.36.3').replace(/^v/, '');
})();

const ARCH = { x64: 'amd64', arm64: 'arm64' };

/** pkg/machinery/version's long template (tab-indented) for one side (client or a node). */
export const versionBlock = () =>
  `\tTag:         ${TALOS_TAG}\n\tSHA:         ${SHA}\n\tBuilt:       \n\tGo version:  ${GO_VERSION}\n\tOS/Arch:     ${process.platform}/${ARCH[process.arch] ?? process.arch}\n`;

/** `talosctl version --short` for one side. */
export const shortVersion = () => `Talos ${TALOS_TAG}\n`;
