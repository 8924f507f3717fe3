/**
 * Agent drivers (`spec.agent.driver`): what does the work in the workspace. Each is a function of
 * the task and the clone; add one by adding a file and a line to DRIVERS.
 *   weft-agent  the built-in tool-calling loop over the operator's LLM gateway (weft-agent.ts)
 *   command     any agent CLI in the image, pointed at the gateway (command.ts)
 *   scripted    a fixed list of file writes and commands (scripted.ts; tests and demos)
 */
import type { RunnerTaskSpec } from '../run/spec.js';
import type { Driver, DriverContext, DriverResult } from './types.js';
import { commandDriver } from './command.js';
import { scriptedDriver } from './scripted.js';
import { weftAgentDriver } from './weft-agent.js';

export type { Driver, DriverContext, DriverResult } from './types.js';

export const DRIVERS: Record<RunnerTaskSpec['agent']['driver'], Driver> = {
  'weft-agent': weftAgentDriver,
  command: commandDriver,
  scripted: scriptedDriver,
};

export function runDriver(ctx: DriverContext): Promise<DriverResult> {
  const driver = DRIVERS[ctx.spec.agent.driver];
  if (!driver) return Promise.resolve({ ok: false, message: `unknown driver "${ctx.spec.agent.driver}" (known: ${Object.keys(DRIVERS).join(', ')})` });
  return driver(ctx);
}
