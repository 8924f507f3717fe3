import { joinPath, parseHuJson, PolicyParseError } from './hujson.js';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('parseHuJson: valid input', () => {
  it.each([
    ['an object', '{"a": 1}', { a: 1 }],
    ['line comments', '{\n  // groups come first\n  "a": [1, 2] // two\n}', { a: [1, 2] }],
    ['block comments', '/* header\n spanning lines */ {"a": /* inline */ true}', { a: true }],
    ['a trailing comma in an object', '{"a": 1, "b": 2,}', { a: 1, b: 2 }],
    ['a trailing comma in an array', '{"a": [1, 2, ],}', { a: [1, 2] }],
    ['nested values and literals', '{"a": {"b": [null, false, "x"]}}', { a: { b: [null, false, 'x'] } }],
    ['numbers', '[0, -1, 2.5, 1e3, -0.5E-2]', [0, -1, 2.5, 1000, -0.005]],
    ['string escapes', String.raw`["a\"b", "\\", "\n\t", "\u0041", "\/"]`, ['a"b', '\\', '\n\t', 'A', '/']],
    ['a byte-order mark', '\uFEFF{"a": 1}', { a: 1 }],
    ['comment-like text inside strings', '{"url": "http://x/*y*/"}', { url: 'http://x/*y*/' }],
    ['CRLF line endings', '{\r\n"a": 1,\r\n}', { a: 1 }],
  ])('parses %s', (_name, text, want) => {
    expect(plain(parseHuJson(text).value)).toEqual(want);
  });

  it('keeps "__proto__" as data', () => {
    const v = parseHuJson('{"__proto__": {"x": 1}}').value as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('records the line and column of every path (object members at their key)', () => {
    const { positions } = parseHuJson('{\n  "acls": [\n    {"src": ["a", "b"]},\n  ],\n  "groups": {"group:ops": []}\n}');
    expect(positions.get('acls')).toEqual({ line: 2, column: 3 });
    expect(positions.get('acls[0]')).toEqual({ line: 3, column: 5 });
    expect(positions.get('acls[0].src[1]')).toEqual({ line: 3, column: 19 });
    expect(positions.get('groups["group:ops"]')).toEqual({ line: 5, column: 14 });
  });
});

describe('parseHuJson: malformed input', () => {
  it.each([
    ['an empty document', '', 1, 1, 'the policy is empty — expected a JSON object such as {}'],
    ['only a comment', '// nothing\n', 2, 1, 'the policy is empty — expected a JSON object such as {}'],
    ['a missing value', '{\n  "acls": [\n    {"src": ["*"], "dst": }\n  ]\n}', 3, 27, 'unexpected "}" — expected a value'],
    ['an unquoted key', '{\n  acls: []\n}', 2, 3, 'unexpected "acls" — expected a key in double quotes or "}"'],
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3, `unexpected '"' — expected "," or "}"`],
    ['a missing colon', '{"a" 1}', 1, 6, 'unexpected "1" — expected ":" after key "a"'],
    ['a single-quoted string', "{'a': 1}", 1, 2, `unexpected "'" — expected a key in double quotes or "}"`],
    ['a single-quoted value', "{\"a\": 'x'}", 1, 7, `unexpected "'" — expected a value (strings use double quotes)`],
    ['an unterminated string', '{\n  "a": "abc\n}', 2, 8, 'unterminated string — add the closing double quote'],
    ['an unterminated comment', '{\n /* never closed\n "a": 1}', 2, 2, 'unterminated comment — close it with */'],
    ['an unclosed array', '{"a": [1, 2', 1, 12, 'unexpected end of input — expected "," or "]"'],
    ['a double comma', '[1,,2]', 1, 4, 'unexpected "," — expected a value'],
    ['a leading comma', '[,]', 1, 2, 'unexpected "," — expected a value'],
    ['a bad literal', '{"a": tru}', 1, 7, 'unexpected "tru" — expected a value'],
    ['a leading zero', '[01]', 1, 2, 'invalid number "01"'],
    ['a bad escape', '["a\\qb"]', 1, 4, 'invalid escape "\\q" in string — use \\", \\\\, \\n, \\t or \\uXXXX'],
    ['a raw tab in a string', '["a\tb"]', 1, 4, 'control character in string — escape it (for example \\t)'],
    ['a duplicate key', '{\n  "acls": [],\n  "acls": []\n}', 3, 3, 'duplicate key "acls" — remove one of them'],
    ['text after the document', '{}\n{}', 2, 1, 'unexpected "{" after the end of the document'],
  ])('rejects %s with line and column', (_name, text, line, column, problem) => {
    let caught: unknown;
    try {
      parseHuJson(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PolicyParseError);
    const err = caught as PolicyParseError;
    expect({ line: err.line, column: err.column, problem: err.problem }).toEqual({ line, column, problem });
    expect(err.message).toBe(`line ${line}, column ${column}: ${problem}`);
  });
});

describe('joinPath', () => {
  it.each([
    ['', 'acls', 'acls'],
    ['acls', 2, 'acls[2]'],
    ['acls[2]', 'dst', 'acls[2].dst'],
    ['groups', 'group:ops', 'groups["group:ops"]'],
  ] as const)('joinPath(%j, %j) = %s', (base, key, want) => expect(joinPath(base, key)).toBe(want));
});
