import { forgeRepoOf } from './forge.js';

describe('forgeRepoOf', () => {
  it.each([
    ['http://127.0.0.1:3000/weft/toy.git', { url: 'http://127.0.0.1:3000', repo: 'weft/toy' }],
    ['https://git.example.com/sub/path/acme/app', { url: 'https://git.example.com/sub/path', repo: 'acme/app' }],
    ['http://10.244.3.1:40123/weft/toy.git/', { url: 'http://10.244.3.1:40123', repo: 'weft/toy' }],
  ])('%s → the API origin and owner/name', (url, expected) => expect(forgeRepoOf(url)).toEqual(expected));

  it('names the param and the fix when the URL has no owner/name', () => {
    expect(() => forgeRepoOf('http://gitea:3000/toy.git')).toThrow(/spec\.params\.repo: "http:\/\/gitea:3000\/toy.git" has no owner\/name path/);
  });
});
