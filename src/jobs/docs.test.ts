import { readFileSync } from 'node:fs';
import { renderJobsDoc } from './docs.js';
import { TEMPLATES } from './templates/index.js';

describe('docs/jobs.md', () => {
  const committed = readFileSync(new URL('../../docs/jobs.md', import.meta.url), 'utf8');

  it('is what the templates generate (run `npm run generate` after changing a template)', () => {
    expect(committed).toBe(renderJobsDoc());
  });

  it('documents every parameter of every template, with a runnable example', () => {
    for (const t of TEMPLATES.values()) {
      expect(committed).toContain(`### \`${t.name}\``);
      expect(committed).toContain(`template: ${t.name}`);
      for (const name of Object.keys(t.params.properties)) expect(committed).toContain(`| \`${name}\` |`);
    }
  });
});
