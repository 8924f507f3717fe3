import { changeFromPull, threadsOf, encodeRef, type ApiPull, type ApiReviewComment } from './gitea.js';

const pull = (o: Partial<ApiPull>): ApiPull => ({ number: 3, html_url: 'http://f/3', state: 'open', title: 't', head: { ref: 'b', sha: 'abc' }, base: { ref: 'main' }, ...o });
const rc = (o: Partial<ApiReviewComment> & { id: number }): ApiReviewComment => ({ body: 'x', user: { login: 'rev' }, created_at: '2026-01-01T00:00:00Z', path: 'a.ts', ...o });

describe('changeFromPull', () => {
  it.each([
    [{ state: 'open' }, 'open'],
    [{ state: 'closed', merged: true }, 'merged'],
    [{ state: 'closed', merged_at: '2026-01-01T00:00:00Z' }, 'merged'],
    [{ state: 'closed', merged: false, merged_at: null }, 'closed'],
  ] as const)('%j is %s', (o, state) => {
    expect(changeFromPull(pull(o)).state).toBe(state);
  });
  it('maps mergeable null to undefined and keeps the head', () => {
    expect(changeFromPull(pull({ mergeable: null }))).toMatchObject({ id: '3', mergeable: undefined, headSha: 'abc', branch: 'b', base: 'main' });
  });
});

describe('threadsOf', () => {
  it('groups Gitea comments by path and line, marks resolved threads', () => {
    const threads = threadsOf(
      [rc({ id: 1, position: 2, resolver: null }), rc({ id: 2, position: 2, resolver: { login: 'rev' }, body: 'done' }), rc({ id: 3, position: 5, resolver: null })],
      [],
    );
    expect(threads.map((t) => [t.id, t.line, t.resolved, t.comments.length])).toEqual([['1', 2, true, 2], ['3', 5, false, 1]]);
  });
  it('links GitHub replies by in_reply_to_id, not by line', () => {
    const threads = threadsOf([rc({ id: 1, line: 2 }), rc({ id: 2, line: 2 }), rc({ id: 3, line: 2, in_reply_to_id: 1 })], []);
    expect(threads.map((t) => t.comments.map((c) => c.id))).toEqual([['1', '3'], ['2']]);
  });
  it('adds the conversation and filters by since', () => {
    const conv = [{ id: 9, body: 'hi', user: { login: 'a' }, created_at: '2026-02-01T00:00:00Z' }];
    const all = threadsOf([rc({ id: 1, line: 1 })], conv);
    expect(all.map((t) => t.id)).toEqual(['1', 'conversation']);
    expect(threadsOf([rc({ id: 1, line: 1 })], conv, new Date('2026-01-15T00:00:00Z')).map((t) => t.id)).toEqual(['conversation']);
  });
});

it('encodeRef keeps slashes and encodes the rest', () => {
  expect(encodeRef('agent/fix #1')).toBe('agent/fix%20%231');
});
