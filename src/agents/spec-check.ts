import type { AgentTask } from '../api/agenttask/types.js';

type Agent = NonNullable<AgentTask['spec']['agent']>;

/** Each driver's own field, and an example for the error message. */
const DRIVER_FIELDS = [
  { driver: 'command', field: 'command', example: '["codex", "exec", "--full-auto"]' },
  { driver: 'scripted', field: 'steps', example: '[{run: "make fmt"}]' },
] as const;

/**
 * A spec the runner cannot act on, naming the field and the fix (admission refuses it; the
 * controller fails objects made before the webhook with InvalidSpec). undefined when fine.
 */
export function agentSpecProblem(spec: AgentTask['spec'] | undefined): string | undefined {
  const agent: Agent = spec?.agent ?? {};
  const driver = agent.driver ?? 'weft-agent';
  for (const { driver: owner, field, example } of DRIVER_FIELDS) {
    const set = (agent[field]?.length ?? 0) > 0;
    if (driver === owner && !set) return `spec.agent.${field}: required for driver ${owner}, e.g. ${example}`;
    if (driver !== owner && set) return `spec.agent.${field}: only used by driver ${owner} (driver is ${driver}); set spec.agent.driver: ${owner} or remove it`;
  }
  return undefined;
}
