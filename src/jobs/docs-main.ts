/** Writes docs/jobs.md from the templates (`npm run generate` runs it after the API codegen). */
import { writeFileSync } from 'node:fs';
import { renderJobsDoc } from './docs.js';

const target = new URL('../../../docs/jobs.md', import.meta.url);
writeFileSync(target, renderJobsDoc());
process.stdout.write(`wrote ${target.pathname}\n`);
