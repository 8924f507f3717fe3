import { describeCounts, parseClosingLine, parseJUnit, parseTap, summarizeTests } from './report.js';

describe('ci-runner report parsing', () => {
  it('JUnit: counts test cases, failures and errors as failed, skipped', () => {
    const xml = `<?xml version="1.0"?>
<testsuites><testsuite name="s" tests="4">
  <testcase name="a" classname="x" time="0.1"/>
  <testcase name="b"><failure message="boom">stack</failure></testcase>
  <testcase name="c"><error message="err"/></testcase>
  <testcase name="d"><skipped/></testcase>
  <testcase name="e"></testcase>
</testsuite></testsuites>`;
    expect(parseJUnit(xml)).toEqual({ format: 'junit', total: 5, passed: 2, failed: 2, skipped: 1 });
  });

  it('JUnit without test cases: the root attributes', () => {
    expect(parseJUnit('<testsuite tests="7" failures="1" errors="1" skipped="2"></testsuite>')).toEqual({ format: 'junit', total: 7, passed: 3, failed: 2, skipped: 2 });
    expect(parseJUnit('not xml')).toBeUndefined();
  });

  it('TAP: outermost ok/not ok lines, SKIP and TODO directives', () => {
    const tap = ['TAP version 13', '# Subtest: suite', '    ok 1 - inner', '    not ok 2 - inner fail', 'not ok 1 - suite', 'ok 2 - b', 'ok 3 - c # SKIP later', 'ok 4 - d # TODO', '1..4'].join('\n');
    expect(parseTap(tap)).toEqual({ format: 'tap', total: 4, passed: 1, failed: 1, skipped: 2 });
    expect(parseTap('nothing here')).toBeUndefined();
  });

  it.each([
    ['node --test spec', 'ℹ tests 3\nℹ suites 0\nℹ pass 2\nℹ fail 1\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0\nℹ duration_ms 50', { total: 3, passed: 2, failed: 1, skipped: 0 }],
    ['node --test tap', '# tests 2\n# pass 2\n# fail 0\n# skipped 0', { total: 2, passed: 2, failed: 0, skipped: 0 }],
    ['jest', 'Test Suites: 1 failed, 1 total\nTests:       1 failed, 1 skipped, 2 passed, 4 total\nTime: 1s', { total: 4, passed: 2, failed: 1, skipped: 1 }],
    ['vitest', ' Test Files  1 passed (1)\n      Tests  3 passed (3)\n', { total: 3, passed: 3, failed: 0, skipped: 0 }],
    ['pytest', '========= 1 failed, 2 passed, 1 skipped in 0.12s =========', { total: 4, passed: 2, failed: 1, skipped: 1 }],
    ['mocha', '  2 passing (5ms)\n  1 failing\n', { total: 3, passed: 2, failed: 1, skipped: 0 }],
  ])('closing line of %s', (_name, output, counts) => {
    expect(parseClosingLine(output)).toEqual({ format: 'text', ...counts });
  });

  it('colours are ignored; unknown output gives nothing', () => {
    expect(parseClosingLine('\u001b[32mℹ tests 1\u001b[39m\nℹ pass 1\nℹ fail 0')).toMatchObject({ total: 1, passed: 1 });
    expect(parseClosingLine('make: *** [test] Error 1')).toBeUndefined();
  });

  it('summarizeTests: the report first (sniffed), else the output; format forces a parser', () => {
    expect(summarizeTests({ report: '<testsuite><testcase name="a"/></testsuite>', output: '' })).toMatchObject({ format: 'junit', passed: 1 });
    expect(summarizeTests({ report: 'ok 1\nnot ok 2', output: '' })).toMatchObject({ format: 'tap', passed: 1, failed: 1 });
    expect(summarizeTests({ report: '', output: 'ℹ tests 1\nℹ pass 1\nℹ fail 0' })).toMatchObject({ format: 'text', passed: 1 });
    expect(summarizeTests({ output: 'ok 1 - a\nok 2 - b', format: 'tap' })).toMatchObject({ format: 'tap', passed: 2 });
    expect(summarizeTests({ output: 'ok 1 - a', format: 'text' })).toBeUndefined();
    expect(summarizeTests({ report: '<broken', output: 'ℹ tests 2\nℹ pass 2\nℹ fail 0' })).toMatchObject({ format: 'text', total: 2 });
  });

  it('describeCounts: one line, or why there are none', () => {
    expect(describeCounts({ format: 'junit', total: 3, passed: 2, failed: 1, skipped: 0 })).toBe('2 passed, 1 failed, 0 skipped (junit)');
    expect(describeCounts(undefined)).toMatch(/no test counts/);
  });
});
