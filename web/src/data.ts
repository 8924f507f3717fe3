import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, token } from './api.ts';
import type { ChangeMessage } from '../../src/server/dashboard/types.ts';

export type Kind = ChangeMessage['kinds'][number];

const revs: Record<Kind, number> = { nodes: 0, clusters: 0, workloads: 0, pods: 0, events: 0, agenttasks: 0, jobs: 0 };
const subscribers = new Set<() => void>();

/** Records a change from the live stream; views that show those kinds fetch again. */
export function changed(kinds: Kind[]): void {
  for (const k of kinds) revs[k]++;
  for (const s of subscribers) s();
}

const prefetched = new Map<string, { token: string | null; answer: Promise<unknown> }>();

/** Starts fetching `path` now; the first useData(path) takes this answer instead of asking again. */
export function prefetch(path: string): void {
  const answer = api(path);
  answer.catch(() => undefined); // a failure surfaces when useData takes it
  prefetched.set(path, { token: token.get(), answer });
}

function take<T>(path: string): Promise<T> {
  const p = prefetched.get(path);
  prefetched.delete(path);
  // Only an answer fetched with the same credentials (not before a different sign-in).
  return p && p.token === token.get() ? (p.answer as Promise<T>) : api<T>(path);
}

export interface Data<T> {
  data?: T;
  error?: ApiError;
  /** When the data was fetched (ms): ages in it count from then. */
  at: number;
  /** True until the first answer for this path. */
  loading: boolean;
  reload(): void;
}

/**
 * Fetches `path` and again whenever one of `kinds` changes. A change while a fetch is in flight
 * queues exactly one more fetch (never more than one at a time, the latest answer wins), and the
 * last good data stays on screen while refreshing.
 */
export function useData<T>(path: string | null, kinds: Kind[]): Data<T> {
  const [state, setState] = useState<{ path?: string; data?: T; error?: ApiError; at?: number }>({});
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  const dirty = useRef(false);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  const key = kinds.join(',');

  useEffect(() => {
    let seen = kinds.map((k) => revs[k]).join();
    const check = () => {
      const now = kinds.map((k) => revs[k]).join();
      if (now !== seen) {
        seen = now;
        setTick((t) => t + 1);
      }
    };
    subscribers.add(check);
    return () => void subscribers.delete(check);
  }, [key]);

  useEffect(() => {
    if (!path) return;
    if (busy.current) {
      dirty.current = true;
      return;
    }
    busy.current = true;
    // One fetch at a time: an answer is kept even if a change arrived meanwhile (a fetch follows).
    take<T>(path)
      .then(
        (data) => mounted.current && setState({ path, data, at: Date.now() }),
        (error: unknown) => mounted.current && setState((s) => ({ path, data: s.path === path ? s.data : undefined, at: s.at, error: error instanceof ApiError ? error : new ApiError(0, String(error)) })),
      )
      .finally(() => {
        busy.current = false;
        if (dirty.current) {
          dirty.current = false;
          setTick((t) => t + 1);
        }
      });
  }, [path, tick]);

  const mine = state.path === path;
  return { data: mine ? state.data : undefined, error: mine ? state.error : undefined, at: state.at ?? Date.now(), loading: !mine, reload: () => setTick((t) => t + 1) };
}

/** The current time, updated every `ms`: for ages that should keep counting. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
