import { execSync } from 'node:child_process';

/**
 * Command lines of running processes whose arguments mention `text` (e.g. a state dir). Zombies do
 * not count: where PID 1 does not reap orphans, a killed process lingers as one.
 */
export function processesMentioning(text: string): string[] {
  return execSync('ps -eo stat=,args=', { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(text) && !l.startsWith('Z') && !l.includes('ps -eo'));
}
