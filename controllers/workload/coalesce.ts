/**
 * Burst coalescing of the Workload status write after a pod's creation.
 *
 * The Workload's status takes its placement once the pod leaves Pending, or `quietMs` after the
 * pod was created, whichever is first: one write instead of two for the placement and the first
 * phase. While the controller is still creating pods (a burst: the last creation less than
 * `gapMs` ago), these writes wait longer (at most `burstMs` after the creation): binding the pods
 * goes first, and each status write then carries the pod's phase too. Keys held back during a
 * burst are handed to `flush` as soon as it ends. The pod itself is created, and bound, at once.
 */

/** Default timings (see the module comment). */
export const STATUS_COALESCE = { quietMs: 1_000, burstMs: 10_000 };
/** A pod created this recently means a burst is under way. */
export const BURST_GAP_MS = 300;

export interface CoalesceOptions {
  quietMs: number;
  burstMs: number;
  /** Gap between creations that ends a burst (default BURST_GAP_MS). */
  gapMs?: number;
  /** Called with the keys held back during a burst, once it has ended. */
  flush: (keys: string[]) => void;
  now?: () => number;
}

export class StatusCoalescer {
  private lastCreation = 0;
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly gapMs: number;
  private readonly now: () => number;

  constructor(private readonly o: CoalesceOptions) {
    this.gapMs = o.gapMs ?? BURST_GAP_MS;
    this.now = o.now ?? Date.now;
  }

  /** Notes a pod creation (it starts or extends a burst); returns its time. */
  created(): number {
    this.lastCreation = this.now();
    return this.lastCreation;
  }

  /**
   * Ms to hold back the status write of the pod created at `createdAt` for `key`: the rest of the
   * burst window while a burst is under way (the key is then flushed when it ends), else the rest
   * of the quiet window while `podPending()` says the pod has not left Pending, else 0.
   */
  holdBack(key: string, createdAt: number, podPending: () => boolean): number {
    const now = this.now();
    const burstLeft = createdAt + this.o.burstMs - now;
    if (now - this.lastCreation < this.gapMs && burstLeft > 0) {
      this.held.add(key);
      this.flushWhenQuiet();
      return burstLeft;
    }
    const quietLeft = createdAt + this.o.quietMs - now;
    return quietLeft > 0 && podPending() ? quietLeft : 0;
  }

  /** Forgets a key (its Workload was deleted). */
  forget(key: string): void {
    this.held.delete(key);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private flushWhenQuiet(): void {
    this.timer ??= setInterval(() => {
      if (this.now() - this.lastCreation < this.gapMs) return;
      const keys = [...this.held];
      this.held.clear();
      this.stop();
      this.o.flush(keys);
    }, this.gapMs);
    this.timer.unref();
  }
}
