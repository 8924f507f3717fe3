/**
 * The trace of each Job run: a root span `run job` started with the first attempt, whose trace id
 * goes into `status.traceId` and whose `traceparent` goes into the pod's env (`TRACEPARENT`) so the
 * template's steps can add child spans; the controller's reconciles of the Job are children of it
 * (ControllerSpec.traceContext); it ends with the Job's outcome. No-ops while tracing is off.
 * Spans live in this process: after an operator restart the run keeps its trace id in status but
 * later reconciles start traces of their own.
 */
import type { Context } from '@opentelemetry/api';
import type { Job } from '../../src/api/job/types.js';
import { startRunSpan, type RunSpan } from '../../src/telemetry/spans.js';

export class JobRuns {
  private readonly runs = new Map<string, RunSpan>();

  /** The run of a Job that is starting its first attempt (made now, unless it has a trace already). */
  begin(key: string, job: Job): RunSpan | undefined {
    const known = this.runs.get(key);
    if (known || job.status?.traceId) return known;
    const run = startRunSpan({ namespace: job.metadata.namespace!, kind: 'job', name: job.metadata.name!, attempt: 1, template: job.spec.template });
    if (!run.traceId) return undefined; // tracing is off
    this.runs.set(key, run);
    return run;
  }

  /** The context reconciles of this Job run in (undefined: none in this process). */
  context(key: string): Context | undefined {
    return this.runs.get(key)?.context;
  }

  /** Ends the run with the Job's outcome (`Succeeded`, or the reason it failed). */
  end(key: string, outcome: string, message?: string): void {
    const run = this.runs.get(key);
    if (!run) return;
    this.runs.delete(key);
    run.end(outcome, message);
  }

  /** Ends every run still open (operator shutdown: the spans are exported, marked unfinished). */
  endAll(): void {
    for (const key of [...this.runs.keys()]) this.end(key, 'OperatorStopped', 'the operator stopped before the job ended');
  }
}
