import type { RunnerTaskSpec } from '../run/spec.js';
import type { StepLog } from '../run/shell.js';

export interface DriverContext {
  spec: RunnerTaskSpec;
  /** The clone, on the task's branch. */
  repo: string;
  gatewayUrl: string;
  /** The projected token (re-read it for each call). */
  tokenFile: string;
  log: StepLog;
}

/** ok: the driver finished its work (the toolchain decides whether it is good). */
export type DriverResult = { ok: true } | { ok: false; message: string; /** The agent could not work (LLM unreachable, budget spent), rather than doing bad work. */ infra?: boolean };

export type Driver = (ctx: DriverContext) => Promise<DriverResult>;

