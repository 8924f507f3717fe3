import { execa } from 'execa';
import { toolPath } from '../../src/cluster/tools.js';

/** Runs the real kubectl against `kubeconfig`; never throws, so tests can assert on failures. */
export async function kubectl(kubeconfig: string, args: string[], input?: string) {
  const r = await execa(toolPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], { input, reject: false, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}
