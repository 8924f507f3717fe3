import { argon2Sync } from 'node:crypto';
import { CodeServerCredentials } from './credentials.js';

const key = Buffer.alloc(32, 7);

describe('CodeServerCredentials', () => {
  it('derives a stable password per task uid and an argon2id PHC hash of it that verifies', () => {
    const c = new CodeServerCredentials(key);
    expect(c.password('u1')).toBe(new CodeServerCredentials(key).password('u1'));
    expect(c.password('u1')).not.toBe(c.password('u2'));
    expect(c.password('u1')).not.toBe(new CodeServerCredentials(Buffer.alloc(32, 8)).password('u1'));
    const h = c.hashedPassword('u1');
    expect(h).toBe(new CodeServerCredentials(key).hashedPassword('u1')); // stable pod spec across restarts
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(h)!;
    expect(m).not.toBeNull();
    const tag = argon2Sync('argon2id', { message: c.password('u1'), nonce: Buffer.from(m[4]!, 'base64'), memory: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]), tagLength: 32 });
    expect(tag.toString('base64').replace(/=+$/, '')).toBe(m[5]);
    expect(h).not.toContain(c.password('u1'));
  });

  it('refuses a short key with the fix', () => {
    expect(() => new CodeServerCredentials(Buffer.alloc(8))).toThrow(/at least 32 bytes.*delete Secret weft-code-server-key/);
  });
});
