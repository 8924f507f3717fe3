import { countsFromOutput, countsText, failuresFromOutput, firstStackLocation, lintErrorsFromOutput, parseJUnit, summarizeTests } from './summary.js';
import { encodeResult, decodeResult, TERMINATION_MESSAGE_MAX } from './spec.js';

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="4" failures="1">
  <testsuite name="sum" tests="4" failures="1" skipped="1" file="src/sum.test.ts">
    <testcase classname="sum" name="adds" time="0.01"/>
    <testcase classname="sum" name="subtracts" time="0.01" file="src/sum.test.ts" line="12">
      <failure message="expected 5, got -1">AssertionError: expected 5, got -1
    at Object.&lt;anonymous&gt; (src/sum.test.ts:12:5)</failure>
    </testcase>
    <testcase classname="sum" name="later"><skipped/></testcase>
    <testcase classname="sum" name="zero"/>
  </testsuite>
</testsuites>`;

describe('test and lint summaries', () => {
  it('JUnit XML: counts, failures with file:line and message; nested suites; a single <testsuite> root', () => {
    expect(parseJUnit(JUNIT)).toEqual({ counts: { passed: 2, failed: 1, skipped: 1 }, failures: [{ name: 'sum › subtracts', location: 'src/sum.test.ts:12', message: 'expected 5, got -1' }] });
    const single = '<testsuite name="a"><testcase name="x"><error message="boom"/></testcase><testsuite name="b"><testcase name="y"/></testsuite></testsuite>';
    expect(parseJUnit(single)).toEqual({ counts: { passed: 1, failed: 1, skipped: 0 }, failures: [{ name: 'x', message: 'boom' }] });
  });

  it('JUnit: the location from the failure text when the testcase has no file; malformed or foreign XML is not a report', () => {
    const xml = '<testsuite><testcase classname="t" name="n"><failure>Error: no\n    at t (/work/repo/test/a.test.js:7:3)</failure></testcase></testsuite>';
    expect(parseJUnit(xml)?.failures[0]?.location).toBe('test/a.test.js:7');
    expect(parseJUnit('<html><body>hi</body></html>')).toBeUndefined();
    expect(parseJUnit('not xml at all <<<')).toBeUndefined();
  });

  it('JUnit reports win over the output; several reports add up; at most 5 failures', () => {
    const many = `<testsuite>${Array.from({ length: 8 }, (_, i) => `<testcase name="t${i}"><failure message="m${i}"/></testcase>`).join('')}</testsuite>`;
    const s = summarizeTests('Tests: 1 passed, 1 total', [JUNIT, many]);
    expect(s.source).toBe('junit');
    expect(s.counts).toEqual({ passed: 2, failed: 9, skipped: 1 });
    expect(s.failures).toHaveLength(5);
  });

  it.each([
    ['jest', 'Test Suites: 1 failed, 3 passed, 4 total\nTests:       1 failed, 2 skipped, 311 passed, 314 total\nTime: 3 s', { passed: 311, failed: 1, skipped: 2 }],
    ['vitest', ' Test Files  1 failed | 3 passed (4)\n      Tests  1 failed | 311 passed (312)\n   Start at  10:00:00', { passed: 311, failed: 1, skipped: 0 }],
    ['mocha', '  311 passing (2s)\n  2 pending\n  1 failing\n', { passed: 311, failed: 1, skipped: 2 }],
    ['node', 'ℹ tests 4\nℹ suites 0\nℹ pass 3\nℹ fail 1\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0\n', { passed: 3, failed: 1, skipped: 0 }],
    ['tap', 'TAP version 13\nok 1 - a\nnot ok 2 - b\n1..2\n# tests 2\n# pass 1\n# fail 1\n', { passed: 1, failed: 1, skipped: 0 }],
    ['pytest', '=================== 1 failed, 311 passed, 2 skipped in 1.23s ===================', { passed: 311, failed: 1, skipped: 2 }],
    ['cargo', 'test result: FAILED. 311 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.01s', { passed: 311, failed: 1, skipped: 2 }],
    ['go', '=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n    b_test.go:12: got 1\n--- FAIL: TestB (0.00s)\nFAIL\nFAIL\texample.com/x\t0.01s', { passed: 1, failed: 1, skipped: 0 }],
  ] as const)('closing line of %s', (source, output, counts) => {
    expect(countsFromOutput(output)).toEqual({ source, counts });
  });

  it('plain TAP without a summary: counted from the ok / not ok lines (SKIP and TODO apart)', () => {
    expect(countsFromOutput('1..4\nok 1 - a\nnot ok 2 - b\nok 3 - c # SKIP no db\nnot ok 4 - d # TODO later\n')).toEqual({ source: 'tap', counts: { passed: 1, failed: 1, skipped: 2 } });
  });

  it('no recognisable closing line: no counts (and the summary falls back to the last line elsewhere)', () => {
    expect(countsFromOutput('make: *** [test] Error 1')).toBeUndefined();
    expect(countsFromOutput('')).toBeUndefined();
  });

  it('first failures: jest ●, node ✖, pytest FAILED, go --- FAIL, cargo ----, TAP not ok, each with file:line', () => {
    const jest = '  ● sum › subtracts\n\n    expect(received).toBe(expected)\n\n      at Object.<anonymous> (src/sum.test.ts:12:5)\n      at node_modules/jest/x.js:1:1\n';
    expect(failuresFromOutput(jest)).toEqual([{ name: 'sum › subtracts', location: 'src/sum.test.ts:12', message: 'expect(received).toBe(expected)' }]);
    const node = '✖ adds (1.2ms)\n  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n      at TestContext.<anonymous> (file:///workspace/repo/sum.test.js:4:32)\n';
    expect(failuresFromOutput(node)[0]).toMatchObject({ name: 'adds', location: 'sum.test.js:4' });
    expect(failuresFromOutput('FAILED tests/test_x.py::test_sum - AssertionError: assert 1 == 2\ntests/test_x.py:12: AssertionError')[0]).toMatchObject({ name: 'tests/test_x.py::test_sum', location: 'tests/test_x.py:12' });
    expect(failuresFromOutput('--- FAIL: TestB (0.00s)\n    b_test.go:12: got 1, want 2\n')[0]).toMatchObject({ name: 'TestB', location: 'b_test.go:12' });
    expect(failuresFromOutput("---- tests::adds stdout ----\nthread 'tests::adds' panicked at src/lib.rs:10:5:\nassertion `left == right` failed\n")[0]).toMatchObject({ name: 'tests::adds', location: 'src/lib.rs:10' });
    expect(failuresFromOutput('not ok 2 - subtracts\n  ---\n  location: \'/w/repo/t/a.test.js:9:1\'\n')[0]).toMatchObject({ name: 'subtracts', location: 't/a.test.js:9' });
  });

  it('failures: at most 5, no duplicates, jest\'s "Test suite failed to run" is not a test', () => {
    const out = Array.from({ length: 9 }, (_, i) => `  ● t${i % 7}\n    boom\n`).join('') + '  ● Test suite failed to run\n';
    const f = failuresFromOutput(out);
    expect(f.map((x) => x.name)).toEqual(['t0', 't1', 't2', 't3', 't4']);
  });

  it('stack locations skip node_modules and node internals', () => {
    expect(firstStackLocation('at x (node:internal/a.js:1:1)\nat y (/app/node_modules/z/i.js:3:4)\nat z (/workspace/repo/src/a.ts:9:2)')).toBe('src/a.ts:9');
  });

  it('lint errors: eslint stylish, eslint unix / ruff / flake8, tsc; at most 5', () => {
    const stylish = '\n/workspace/repo/src/a.js\n  3:7  error  \'x\' is assigned a value but never used  no-unused-vars\n  9:1  warning  Unexpected console  no-console\n\n✖ 2 problems\n';
    expect(lintErrorsFromOutput(stylish)).toEqual([{ location: 'src/a.js:3', message: "'x' is assigned a value but never used no-unused-vars" }]);
    expect(lintErrorsFromOutput('src/a.py:12:5: E501 line too long (99 > 88)\n')).toEqual([{ location: 'src/a.py:12', message: 'E501 line too long (99 > 88)' }]);
    expect(lintErrorsFromOutput("src/a.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.")).toEqual([{ location: 'src/a.ts:4', message: "TS2322: Type 'string' is not assignable to type 'number'." }]);
    expect(lintErrorsFromOutput(Array.from({ length: 9 }, (_, i) => `f.py:${i + 1}:1: F401 unused`).join('\n'))).toHaveLength(5);
  });

  it('huge output: bounded work and bounded fields', () => {
    const big = `${'x'.repeat(200)}\n`.repeat(50_000) + 'Tests: 1 failed, 1 total\n';
    expect(countsFromOutput(big)).toEqual({ source: 'jest', counts: { passed: 0, failed: 1, skipped: 0 } });
    const long = failuresFromOutput(`  ● ${'n'.repeat(500)}\n    Error: ${'m'.repeat(500)}\n`)[0]!;
    expect(long.name.length).toBeLessThanOrEqual(100);
    expect(long.message!.length).toBeLessThanOrEqual(120);
  });

  it('countsText says the counts and the source', () => {
    expect(countsText({ source: 'jest', counts: { passed: 311, failed: 1, skipped: 2 }, failures: [], lintErrors: [] })).toBe('1 failed, 311 passed, 2 skipped (jest)');
    expect(countsText({ failures: [], lintErrors: [] })).toBeUndefined();
  });

  it('a report with the most details still fits the 4096-byte termination message, and decodes', () => {
    const f = { name: 'n'.repeat(100), location: 'l'.repeat(100), message: 'm'.repeat(120) };
    const e = { location: 'l'.repeat(100), message: 'm'.repeat(120) };
    const r = { result: 'checks-failed' as const, diagnostics: 'd'.repeat(60_000), lastRun: { lint: 'x'.repeat(4096), test: 'y'.repeat(4096), tests: { passed: 1, failed: 5, skipped: 0 }, failures: [f, f, f, f, f], lintErrors: [e, e, e, e, e] } };
    const text = encodeResult(r);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX);
    const back = decodeResult(text);
    expect(back).toMatchObject({ result: 'checks-failed', lastRun: { tests: { failed: 5 } } });
  });
});
