import { authHeaders } from './api.ts';
import type { ChangeMessage } from '../../src/server/dashboard/types.ts';

const EVERYTHING: ChangeMessage = { rev: 0, kinds: ['nodes', 'clusters', 'workloads', 'pods', 'events', 'agenttasks', 'jobs'] };

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Follows the operator's change stream (server-sent events read with fetch, so the bearer token can
 * be sent). Calls `onChange` for every change, and once after each reconnect (changes may have been
 * missed meanwhile). Reconnects with backoff; returns a function that stops it.
 */
export function followChanges(onChange: (m: ChangeMessage) => void, onState: (s: LiveState) => void): () => void {
  let stopped = false;
  let ctrl: AbortController | undefined;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = async () => {
    ctrl = new AbortController();
    onState('connecting');
    try {
      const res = await fetch('/api/v1/dashboard/stream', { headers: { accept: 'text/event-stream', ...authHeaders() }, signal: ctrl.signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'hello') {
            // Back after an outage: changes may have been missed meanwhile.
            if (failures > 0) onChange(EVERYTHING);
            failures = 0;
            onState('live');
          } else if (event === 'change' && data) {
            onChange(JSON.parse(data) as ChangeMessage);
          }
        }
      }
    } catch {
      // fall through to reconnect
    }
    if (stopped) return;
    failures++;
    onState(failures > 2 ? 'offline' : 'connecting');
    timer = setTimeout(() => void connect(), Math.min(5000, 250 * 2 ** failures));
  };
  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ctrl?.abort();
  };
}
