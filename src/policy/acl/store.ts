// PolicyStore: the last good policy. A bad update (parse, validation or test failure) is
// reported and the previous policy stays in force, so a typo never opens or closes the door.

import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { decide } from './evaluate.js';
import { loadPolicy } from './policy-tests.js';
import type { Decision, DecisionRequest, Policy } from './types.js';

/** The outcome of `PolicyStore.update`. */
export type UpdateResult = { ok: true; policy: Policy } | { ok: false; error: Error };

/** Timer functions, injectable so the debounce logic is testable without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A trailing-edge debouncer: `trigger` many times, `fn` runs once `ms` after the last. */
export interface Debouncer {
  trigger(): void;
  cancel(): void;
}

/**
 * Creates a debouncer. Editors and ConfigMap updates produce bursts of file events; reloading
 * once per burst avoids reading half-written files and duplicate reloads.
 */
export function createDebouncer(fn: () => void, ms: number, timers: Timers = realTimers): Debouncer {
  let handle: unknown;
  let pending = false;
  return {
    trigger() {
      if (pending) timers.clearTimeout(handle);
      pending = true;
      handle = timers.setTimeout(() => {
        pending = false;
        fn();
      }, ms);
    },
    cancel() {
      if (pending) timers.clearTimeout(handle);
      pending = false;
    },
  };
}

/** Callbacks for `watchFile`. */
export interface WatchHandlers {
  /** A changed file loaded and is now in force. */
  onChange?(policy: Policy): void;
  /** The file could not be read or was rejected; the previous policy stays in force. */
  onError?(error: Error): void;
  /** Quiet period before reloading, in milliseconds (default 200). */
  debounceMs?: number;
}

/** A running file watch. */
export interface PolicyWatch {
  /** Settles after the initial read (never rejects; errors go to onError). */
  readonly ready: Promise<void>;
  close(): void;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Holds the policy in force. `update` swaps it only for a policy that parses, validates and
 * passes its own tests.
 * @example
 * const store = new PolicyStore();
 * const r = store.update(text);
 * if (!r.ok) log.warn({ err: r.error }, 'policy rejected; keeping the previous one');
 */
export class PolicyStore {
  private policy: Policy | undefined;

  constructor(private readonly load: (text: string) => Policy = (t) => loadPolicy(t)) {}

  /** Loads `text`; on failure keeps the current policy and returns the error. */
  update(text: string): UpdateResult {
    try {
      const policy = this.load(text);
      this.policy = policy;
      return { ok: true, policy };
    } catch (e) {
      return { ok: false, error: asError(e) };
    }
  }

  /** The policy in force, or undefined before the first good update. */
  current(): Policy | undefined {
    return this.policy;
  }

  /** `decide` against the policy in force; denies everything until a policy has loaded. */
  decide(req: DecisionRequest): Decision {
    if (!this.policy) return { allowed: false, reason: 'no ACL policy is loaded yet, so every write is denied' };
    return decide(this.policy, req);
  }

  /**
   * Loads `path` now and again whenever it changes. Watches the file's directory rather than
   * the file, because editors and Kubernetes ConfigMap volumes replace files by rename (a watch
   * on the old inode would go silent); unchanged content is ignored. Reads are serialized so a
   * slow read can never apply stale text after a newer one.
   */
  watchFile(path: string, handlers: WatchHandlers = {}): PolicyWatch {
    let lastText: string | undefined;
    let chain: Promise<void> = Promise.resolve();
    const apply = (text: string) => {
      if (text === lastText) return;
      lastText = text;
      const result = this.update(text);
      if (result.ok) handlers.onChange?.(result.policy);
      else handlers.onError?.(result.error);
    };
    const reload = () => {
      chain = chain.then(() => readFile(path, 'utf8').then(apply, (e: unknown) => handlers.onError?.(asError(e))));
      return chain;
    };
    const debouncer = createDebouncer(() => void reload(), handlers.debounceMs ?? 200);
    const name = basename(path);
    const watcher = watch(dirname(path), (_event, filename) => {
      // ConfigMap updates touch "..data", not the file name itself: any event may matter.
      if (filename === null || filename === name || filename.startsWith('..')) debouncer.trigger();
    });
    watcher.on('error', (e) => handlers.onError?.(asError(e)));
    return {
      ready: reload(),
      close() {
        debouncer.cancel();
        watcher.close();
      },
    };
  }
}
