import { createRedactor, REDACTED } from './redact.js';

describe('createRedactor', () => {
  const key = 'upstream-key-0123456789';
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl';
  const redact = createRedactor([key, jwt, 'abc', undefined]);

  it('replaces the given secrets wherever they appear', () => {
    expect(redact({ messages: [{ role: 'user', content: `my key is ${key}!` }] })).toEqual({ messages: [{ role: 'user', content: `my key is ${REDACTED}!` }] });
  });
  it('replaces credential-named keys, bearer tokens, JWTs and API-key shapes', () => {
    expect(
      redact({
        headers: { Authorization: 'Bearer whatever', 'x-api-key': 'k' },
        apiKey: 'k2',
        note: 'curl -H "Authorization: Bearer abc.def" ; token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig and sk-proj-AAAAAAAAAAAAAAAAAAAA',
      }),
    ).toEqual({
      headers: { Authorization: REDACTED, 'x-api-key': REDACTED },
      apiKey: REDACTED,
      note: `curl -H "Authorization: Bearer ${REDACTED}" ; token ${REDACTED} and ${REDACTED}`,
    });
  });
  it('leaves other values alone and ignores secrets too short to be safe', () => {
    expect(redact({ n: 1, b: true, x: null, s: 'abc def' })).toEqual({ n: 1, b: true, x: null, s: 'abc def' });
  });
  it('escapes secrets used as patterns', () => {
    expect(createRedactor(['a.b*c+d?e'])('x a.b*c+d?e y axbbbcdde')).toBe(`x ${REDACTED} y axbbbcdde`);
  });
});
