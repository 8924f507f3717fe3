/**
 * The trace of each run of a Job or AgentTask: a root span `run <kind>` started with the first attempt,
 * whose trace id goes into `status.traceId` and whose `traceparent` goes into every attempt's pod
 * (`TRACEPARENT`) so its steps can add child spans; the object's reconciles are children of it
 * (ControllerSpec.traceContext), and so are the LLM gateway's calls of an agent task. It ends with
 * the outcome. No-ops while tracing is off. Spans live in this process: after an operator restart
 * the run keeps its trace id in status but later reconciles start traces of their own.
 */
import type { Context } from '@opentelemetry/api';
import type { Workload } from '../api/workload/types.js';
import { startRunSpan, type RunSpan } from './spans.js';

export interface RunRef {
  namespace: string;
  name: string;
  /** The Job template or the agent driver. */
  template?: string;
  /** The trace id the object's status already has (then no new run is started). */
  traceId?: string;
}

export class RunSpans {
  private readonly runs = new Map<string, RunSpan>();

  constructor(private readonly kind: 'job' | 'agenttask') {}

  /** The run of an object starting its first attempt (made now, unless it has a trace already). */
  begin(key: string, ref: RunRef): RunSpan | undefined {
    const known = this.runs.get(key);
    if (known || ref.traceId) return known;
    const run = startRunSpan({ namespace: ref.namespace, kind: this.kind, name: ref.name, attempt: 1, ...(ref.template ? { template: ref.template } : {}) });
    if (!run.traceId) return undefined; // tracing is off
    this.runs.set(key, run);
    return run;
  }

  /** The run of `key` open in this process. */
  run(key: string): RunSpan | undefined {
    return this.runs.get(key);
  }

  /** The context reconciles (and gateway calls) of this run are in (undefined: none in this process). */
  context(key: string): Context | undefined {
    return this.runs.get(key)?.context;
  }

  /** Ends the run with the outcome (`Succeeded`, or the reason it failed). */
  end(key: string, outcome: string, message?: string): void {
    const run = this.runs.get(key);
    if (!run) return;
    this.runs.delete(key);
    run.end(outcome, message);
  }

  /** Ends every run still open (operator shutdown: the spans are exported, marked unfinished). */
  endAll(): void {
    for (const key of [...this.runs.keys()]) this.end(key, 'OperatorStopped', `the operator stopped before the ${this.kind} ended`);
  }
}

/** The Workload with `env` added to (or replacing the same names in) the container `container` of its pod. */
export function withContainerEnv(wl: Workload, container: string, env: ReadonlyArray<{ name: string; value: string }>): Workload {
  const spec = wl.spec.template.spec;
  if (!spec || env.length === 0) return wl;
  const names = new Set(env.map((e) => e.name));
  const containers = spec.containers.map((c) => (c.name === container ? { ...c, env: [...(c.env ?? []).filter((e) => !names.has(e.name)), ...env] } : c));
  return { ...wl, spec: { ...wl.spec, template: { ...wl.spec.template, spec: { ...spec, containers } } } };
}
