import { approvalsOf, branchOf, changeFromPatch, threadsOfPatch, type RadPatch, type RadRevision } from './radicle-json.js';

const edit = (body: string, timestamp: number) => ({ author: 'z6MkA', timestamp, body, embeds: [] });
const rev = (id: string, timestamp: number, o: Partial<RadRevision> = {}): RadRevision => ({
  id,
  author: { id: 'did:key:z6MkA' },
  description: [edit(`Body\n\nWeft-Branch: agent/x`, timestamp)],
  base: 'b'.repeat(40),
  oid: id.repeat(40).slice(0, 40),
  discussion: { comments: {}, timeline: [] },
  reviews: {},
  timestamp,
  ...o,
});
const patch = (o: Partial<RadPatch> = {}): RadPatch => ({
  title: 'T',
  author: { id: 'did:key:z6MkA' },
  state: { status: 'open' },
  target: 'delegates',
  merges: {},
  revisions: { r1: rev('1', 1000), r2: rev('2', 2000, { description: [edit('Update', 2000)] }) },
  ...o,
});

describe('radicle patch JSON', () => {
  it('maps state, head of the latest revision and the branch trailer of the first', () => {
    expect(branchOf(patch())).toBe('agent/x');
    expect(changeFromPatch('p1', patch(), { rid: 'rad:z3abc', base: 'main' })).toMatchObject({ id: 'p1', state: 'open', headSha: '2'.repeat(40), branch: 'agent/x', url: 'rad://z3abc/patches/p1' });
    expect(changeFromPatch('p1', patch({ state: { status: 'merged', revision: 'r2', commit: 'c' } }), { rid: 'rad:z', base: 'main' }).state).toBe('merged');
    expect(changeFromPatch('p1', patch({ state: { status: 'archived' } }), { rid: 'rad:z', base: 'main' }).state).toBe('closed');
    expect(changeFromPatch('p1', patch({ state: { status: 'open', conflicts: [['r1', 'c']] } }), { rid: 'rad:z', base: 'main' }).mergeable).toBe(false);
  });

  it('approvals are accept verdicts on the latest revision only', () => {
    const review = (verdict: 'accept' | 'reject', who: string) => ({ id: `v-${who}`, author: { id: `did:key:${who}` }, verdict, timestamp: 3000 });
    const p = patch({ revisions: { r1: rev('1', 1000, { reviews: { old: review('accept', 'z6MkOld') } }), r2: rev('2', 2000, { reviews: { a: review('accept', 'z6MkB'), c: review('reject', 'z6MkC') } }) } });
    expect(approvalsOf(p)).toEqual(['did:key:z6MkB']);
  });

  it('threads: replies join their root; line comments of reviews carry path and line; since filters', () => {
    const c = (body: string, t: number, extra: object = {}) => ({ author: 'z6MkB', resolved: false, body, edits: [edit(body, t)], reactions: [], ...extra });
    const p = patch({
      revisions: {
        r1: rev('1', 1000, {
          discussion: { comments: { c1: c('top', 1100), c2: c('reply', 1200, { replyTo: 'c1' }), c3: c('reply to reply', 1300, { replyTo: 'c2' }) } },
          reviews: { z: { id: 'rv1', author: { id: 'did:key:z6MkB' }, verdict: 'accept', timestamp: 1400, comments: { comments: { l1: c('line', 1500, { location: { commit: 'x', path: 'a.ts', old: null, new: { type: 'lines', range: { start: 4, end: 5 } } } }) } } } },
        }),
      },
    });
    const threads = threadsOfPatch(p);
    expect(threads.map((t) => [t.id, t.path, t.line, t.comments.map((x) => x.body)])).toEqual([
      ['r:1:c1', undefined, undefined, ['top', 'reply', 'reply to reply']],
      ['v:rv1:l1', 'a.ts', 4, ['line']],
    ]);
    expect(threads[0]!.comments[0]!.author).toBe('did:key:z6MkB');
    expect(threadsOfPatch(p, new Date(1400)).map((t) => t.id)).toEqual(['v:rv1:l1']);
  });
});
