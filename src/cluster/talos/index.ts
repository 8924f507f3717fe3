/**
 * The Talos provider's plumbing: typed wrappers over talosctl v1.13 (`gen config`, `cluster create
 * --provisioner qemu`, `kubeconfig`, `health`, `cluster destroy`, `version --client`), their output
 * parsers and typed errors. See docs/talos.md.
 */
export * from './args.js';
export * from './errors.js';
export * from './parse.js';
export * from './talosctl.js';
