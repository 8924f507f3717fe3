import type { AgentTask } from '../api/agenttask/types.js';

/**
 * A spec the runner cannot act on, naming the field and the fix (admission refuses it; the
 * controller fails objects made before the webhook with InvalidSpec). undefined when fine.
 */
export function agentSpecProblem(spec: AgentTask['spec'] | undefined): string | undefined {
  const a = spec?.agent;
  if (a?.driver === 'command' && !a.command?.length) return 'spec.agent.command: required for driver command, e.g. ["codex", "exec", "--full-auto"]';
  if (a?.driver === 'scripted' && !a.steps?.length) return 'spec.agent.steps: required for driver scripted, e.g. [{run: "make fmt"}]';
  if (a?.driver !== 'command' && a?.command?.length) return `spec.agent.command: only used by driver command (driver is ${a?.driver ?? 'weft-agent'}); set spec.agent.driver: command or remove it`;
  if (a?.driver !== 'scripted' && a?.steps?.length) return `spec.agent.steps: only used by driver scripted (driver is ${a?.driver ?? 'weft-agent'}); set spec.agent.driver: scripted or remove it`;
  return undefined;
}
