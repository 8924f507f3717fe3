// Prints one closing line for CI from reports/junit.xml: "jest: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const xml = readFileSync(process.argv[2] ?? 'reports/junit.xml', 'utf8');
const m = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"[^>]*\berrors="(\d+)"/.exec(xml);
if (!m) {
  console.error('junit-summary: no <testsuites> totals in the report');
  process.exit(1);
}
const [tests, failures, errors] = m.slice(1).map(Number);
const skipped = (xml.match(/<skipped\s*\/>/g) ?? []).length;
const failed = failures + errors;
console.log(`jest: ${tests - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
if (tests === 0) process.exit(1);
