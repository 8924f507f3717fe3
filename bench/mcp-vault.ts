import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What `generateVault` wrote, for assertions and benchmark queries. */
export interface GeneratedVault {
  readonly root: string;
  readonly notes: number;
  /** words that occur in the notes, for search queries */
  readonly vocabulary: readonly string[];
}

const FOLDERS = ['Projects', 'Areas/Research', 'Areas/Ops', 'Daily', 'Inbox', 'Reference'];
const STATUSES = ['active', 'done', 'blocked', 'idea'];
const WORDS = (
  'scheduler mesh tailnet quota kernel gradient cluster latency replica operator webhook lease ' +
  'informer watch budget agent vault query index token forge branch patch review commit merge ' +
  'pipeline artifact bucket storage network packet route firewall certificate rotation secret ' +
  'capacity placement affinity taint toleration priority preemption eviction rollout canary ' +
  'metric trace span sampler exporter dashboard alert incident postmortem runbook oncall pager'
).split(' ');

/** A small deterministic PRNG (mulberry32), so every run writes the same vault. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The vault path (without `.md`) of note `i`. */
export function notePathOf(i: number): string {
  return `${FOLDERS[i % FOLDERS.length]}/Note ${String(i).padStart(5, '0')}`;
}

function noteText(i: number, n: number, rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const tags = [`topic/${pick(WORDS)}`, ...(i % 3 === 0 ? ['project'] : []), ...(i % 10 === 0 ? ['review'] : [])];
  const para = () => Array.from({ length: 40 }, () => pick(WORDS)).join(' ');
  const links = Array.from({ length: 3 }, () => `[[Note ${String(Math.floor(rand() * n)).padStart(5, '0')}]]`).join(', ');
  return [
    '---',
    `tags: [${tags.join(', ')}]`,
    `status: ${STATUSES[i % STATUSES.length]}`,
    `priority: ${i % 5}`,
    `aliases: ["Alias ${i}"]`,
    `created: 2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
    '---',
    `# Note ${i}`,
    '',
    para(),
    '',
    `## Links`,
    `Related: ${links} #${pick(WORDS)}`,
    '',
    '## Details',
    para(),
    '',
  ].join('\n');
}

const BASE = `filters:
  and:
    - file.hasTag("project")
    - not:
        - file.inFolder("Inbox")
formulas:
  urgent: 'priority >= 3'
views:
  - type: table
    name: Active projects
    filters:
      or:
        - 'status == "active"'
        - 'status == "blocked"'
    order: [file.name, status, priority, formula.urgent]
    sort:
      - property: priority
        direction: DESC
    limit: 25
  - type: table
    name: Done in Projects
    filters:
      and:
        - file.inFolder("Projects")
        - 'status == "done"'
    order: [file.name, created]
`;

const SAVED = `# Saved searches

## Review queue
\`\`\`query
tag:#review -[status:done]
\`\`\`

## Ops incidents
\`\`\`query
path:Areas/Ops (incident OR postmortem) -blocked
\`\`\`
`;

/**
 * Writes a vault of `n` notes under `root`: six folders, frontmatter (tags, status, priority,
 * aliases, created), prose from a fixed vocabulary, three `[[links]]` per note, an `.obsidian/`
 * folder, a `Queries/Projects.base` and a `Queries/Saved searches.md` with `query` blocks.
 */
export async function generateVault(root: string, n: number, seed = 42): Promise<GeneratedVault> {
  const rand = rng(seed);
  await Promise.all([...FOLDERS, '.obsidian', 'Queries'].map((f) => mkdir(join(root, f), { recursive: true })));
  await writeFile(join(root, '.obsidian/app.json'), '{"secret":"obsidian config"}\n');
  await writeFile(join(root, 'Queries/Projects.base'), BASE);
  await writeFile(join(root, 'Queries/Saved searches.md'), SAVED);
  const batch = 64;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, (_, k) => {
        const file = join(root, `${notePathOf(i + k)}.md`);
        return mkdir(dirname(file), { recursive: true }).then(() => writeFile(file, noteText(i + k, n, rand)));
      }),
    );
  }
  return { root, notes: n, vocabulary: WORDS };
}
