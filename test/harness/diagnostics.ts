import { kubectl } from './kubectl.js';
import type { LogRing } from './log-ring.js';

/**
 * What to dump when a test fails (as kubebuilder's e2e does): the operator's log tail, and the Weft
 * objects, pods, Leases and Events of the namespaces involved, read with kubectl.
 */
export interface DiagnosticsTarget {
  /** What the dump calls it, e.g. "control plane" or "weft up". */
  name: string;
  /** The kubeconfig kubectl reads with; undefined while there is no cluster yet. */
  kubeconfig: () => string | undefined;
  /** Namespaces whose objects and Events are dumped. */
  namespaces: Set<string>;
  /** Log tails (operators in this process, child processes), by name. */
  logs: Map<string, () => { lines: string[]; dropped?: number }>;
}

/** The status jest's environment (test/harness/environment.js) keeps for the running test. */
interface TestStatus {
  name: string;
  failed: boolean;
  errors: string[];
}

const targets = new Map<string, DiagnosticsTarget>();
/** Dumps taken at the moment of a failure (withDiagnostics), printed by the hook if the test fails. */
const snapshots: string[] = [];
let write: (text: string) => void = (text) => process.stderr.write(text);
const SECTION_CHARS = 6_000;

/**
 * The dump target called `name` (created on first use): tests and harness helpers add namespaces
 * and log tails to it. `kubeconfig` is set on creation or later.
 */
export function diagnosticsTarget(name: string, kubeconfig?: () => string | undefined): DiagnosticsTarget {
  let t = targets.get(name);
  if (!t) {
    t = { name, kubeconfig: kubeconfig ?? (() => undefined), namespaces: new Set(), logs: new Map() };
    targets.set(name, t);
  } else if (kubeconfig) {
    t.kubeconfig = kubeconfig;
  }
  return t;
}

/** Adds an operator's log ring to the dump of `target`; returns a function that removes it. */
export function watchLog(target: DiagnosticsTarget, name: string, ring: Pick<LogRing, 'tail'>): () => void {
  target.logs.set(name, () => ring.tail());
  return () => target.logs.delete(name);
}

/** Where dumps go (default stderr); tests of this module capture them. Returns the previous writer. */
export function setDiagnosticsWriter(w: (text: string) => void): (text: string) => void {
  const previous = write;
  write = w;
  return previous;
}

const clip = (s: string) => (s.length > SECTION_CHARS ? `… (${s.length - SECTION_CHARS} chars cut)\n${s.slice(-SECTION_CHARS)}` : s);
const section = (title: string, body: string) => `---- ${title} ----\n${clip(body.trim() || '(nothing)')}\n`;

async function kubectlSection(kubeconfig: string, title: string, args: string[]): Promise<string> {
  const r = await kubectl(kubeconfig, args);
  return section(`${title}: kubectl ${args.join(' ')}`, r.exitCode === 0 ? r.stdout : `${r.stdout}\n${r.stderr}`);
}

/** The cluster part of a target's dump: MeshNodes, then per namespace objects, YAML and Events. */
async function clusterSections(t: DiagnosticsTarget, kubeconfig: string): Promise<string[]> {
  const out = [await kubectlSection(kubeconfig, 'MeshNodes', ['get', 'meshnodes', '-o', 'wide'])];
  for (const ns of t.namespaces) {
    out.push(await kubectlSection(kubeconfig, `namespace ${ns}`, ['get', 'weft,pods,leases,configmaps', '-n', ns, '-o', 'wide']));
    out.push(await kubectlSection(kubeconfig, `namespace ${ns}`, ['get', 'weft', '-n', ns, '-o', 'yaml']));
    out.push(await kubectlSection(kubeconfig, `namespace ${ns}`, ['get', 'events', '-n', ns, '--sort-by=.metadata.creationTimestamp']));
  }
  return out;
}

/** Everything a target knows, as text: log tails first, then what the cluster holds. */
export async function collectDiagnostics(t: DiagnosticsTarget): Promise<string> {
  const out: string[] = [];
  for (const [name, tail] of t.logs) {
    const { lines, dropped } = tail();
    out.push(section(`${name} log (last ${lines.length} lines${dropped ? `, ${dropped} earlier dropped` : ''})`, lines.join('\n')));
  }
  const kubeconfig = t.kubeconfig();
  if (kubeconfig) out.push(...(await clusterSections(t, kubeconfig)));
  return out.join('');
}

async function collectAll(): Promise<string> {
  const parts: string[] = [];
  for (const t of targets.values()) {
    try {
      parts.push(`==== ${t.name} ====\n`, await collectDiagnostics(t));
    } catch (err) {
      parts.push(`==== ${t.name}: could not collect diagnostics: ${(err as Error).message} ====\n`);
    }
  }
  return parts.join('');
}

/**
 * Runs `fn`; if it throws, collects the diagnostics at once (while the system it tests still runs,
 * before a `finally` stops it) for the hook to print, then rethrows. For e2e tests that own their
 * cluster: `await withDiagnostics(async () => { … })` inside the try whose finally stops `weft up`.
 */
export async function withDiagnostics<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    snapshots.push(`==== taken when the test threw: ${(err as Error).message?.split('\n')[0]} ====\n${await collectAll()}`);
    throw err;
  }
}

/** The running test's status, when jest runs with test/harness/environment.js. */
export function currentTestStatus(): TestStatus | undefined {
  return (globalThis as { __weftTestStatus?: TestStatus }).__weftTestStatus;
}

/**
 * Called after each test (test/harness/diagnostics-setup.ts): when the test failed, writes every
 * target's diagnostics to stderr; when it passed, nothing.
 */
export async function dumpIfFailed(status: TestStatus | undefined = currentTestStatus()): Promise<void> {
  const taken = snapshots.splice(0);
  if (!status?.failed) return;
  const head = [`\n======== diagnostics for the failed test "${status.name}" ========\n`, ...status.errors.map((e) => `error: ${e.split('\n')[0]}\n`)];
  write([...head, ...taken, await collectAll(), `======== end of diagnostics for "${status.name}" ========\n`].join(''));
}
