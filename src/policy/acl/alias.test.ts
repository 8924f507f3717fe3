import { formatPorts, parseAlias, parseGrantIp, parsePorts, parseProtocol, splitDestination } from './alias.js';
import { formatAddr, isInternetAddr, parseIpAddr, parseIpPrefix, prefixContains } from './ip.js';

describe('parseAlias (Headscale classification order)', () => {
  it.each([
    ['*', 'wildcard'],
    ['alice@', 'user'],
    ['alice@example.com', 'user'],
    ['group:ops', 'group'],
    ['tag:ci', 'tag'],
    ['autogroup:member', 'autogroup'],
    ['db-primary', 'host'],
    ['100.64.0.1', 'prefix'],
    ['10.0.0.0/8', 'prefix'],
    ['fd7a:115c:a1e0::/48', 'prefix'],
  ])('%s is a %s', (text, kind) => expect(parseAlias(text)).toEqual({ ok: true, value: expect.objectContaining({ kind, text }) }));

  it.each(['', 'weird:thing', '10.0.0.0/33', '1.2.3.4/'])('%j is invalid', (text) => expect(parseAlias(text).ok).toBe(false));

  it('strips the trailing @ from user logins only', () => {
    expect(parseAlias('alice@')).toEqual({ ok: true, value: { kind: 'user', text: 'alice@', login: 'alice' } });
    expect(parseAlias('a@b.c')).toEqual({ ok: true, value: { kind: 'user', text: 'a@b.c', login: 'a@b.c' } });
  });
});

describe('parsePorts', () => {
  it.each([
    ['*', '*'],
    ['443', '443'],
    ['80,443', '80,443'],
    ['8000-8100', '8000-8100'],
    ['22,8000-8100,9090', '22,8000-8100,9090'],
    ['0-65535', '*'],
  ])('%s → %s', (spec, want) => {
    const r = parsePorts(spec);
    expect(r.ok && formatPorts(r.value)).toBe(want);
  });

  it.each(['', 'http', '80,', '-80', '80-', '1-2-3', '70000', '0', '100-10', '4 43'])('%j is rejected', (spec) => expect(parsePorts(spec).ok).toBe(false));
});

describe('splitDestination', () => {
  it.each([
    ['tag:ci:443', 'tag:ci', '443'],
    ['alice@:*', 'alice@', '*'],
    ['100.64.0.1:22', '100.64.0.1', '22'],
    ['fd7a::1:443', 'fd7a::1', '443'],
    ['[fd7a::1]:443', 'fd7a::1', '443'],
    ['[fd7a::]/48:22', 'fd7a::/48', '22'],
  ])('%s → %s + %s', (input, alias, ports) => expect(splitDestination(input)).toEqual({ ok: true, value: { alias, ports } }));

  it.each(['tag:ci', '*', 'db', 'db:', '[1.2.3.4]:80', '[fd7a::1]'])('%j is rejected', (input) => expect(splitDestination(input).ok).toBe(false));
});

describe('protocols and grant ip entries', () => {
  it.each([
    ['tcp', [6]],
    ['UDP', [17]],
    ['icmp', [1, 58]],
    ['47', [47]],
  ])('proto %s → %j', (text, want) => expect(parseProtocol(text)).toEqual({ ok: true, value: want }));

  it.each(['*', '0', '256', '06', 'http'])('proto %j is rejected', (text) => expect(parseProtocol(text).ok).toBe(false));

  it.each([
    ['*', null, '*'],
    ['443', [6, 17, 1, 58], '443'],
    ['tcp:443', [6], '443'],
    ['udp:*', [17], '*'],
    ['icmp', [1, 58], '*'],
    ['tcp:8000-8100', [6], '8000-8100'],
  ])('ip %s', (entry, protos, ports) => {
    const r = parseGrantIp(entry);
    expect(r.ok && { protos: r.value.protos, ports: formatPorts(r.value.ports) }).toEqual({ protos, ports });
  });

  it.each(['icmp:22', 'tcp:', 'http:80', 'tcp:x'])('ip %j is rejected', (entry) => expect(parseGrantIp(entry).ok).toBe(false));
});

describe('IP addresses and prefixes (net/netip strictness)', () => {
  it.each(['1.2.3.4', '0.0.0.0', '255.255.255.255', '::', '::1', 'fd7a:115c:a1e0::1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8'])('parses %s', (s) =>
    expect(parseIpAddr(s)).toBeDefined(),
  );

  it.each(['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '1.2.3.4::', 'g::1'])('rejects %s', (s) =>
    expect(parseIpAddr(s)).toBeUndefined(),
  );

  it.each([
    ['100.64.0.0/10', '100.127.255.255', true],
    ['100.64.0.0/10', '100.128.0.0', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['10.1.2.3', '10.1.2.3', true],
    ['fd7a:115c:a1e0::/48', 'fd7a:115c:a1e0:ab12::1', true],
    ['fd7a:115c:a1e0::/48', 'fd7a:115c:a1e1::1', false],
    ['::/0', '1.2.3.4', false],
  ])('%s contains %s: %s', (prefix, addr, want) => {
    expect(prefixContains(parseIpPrefix(prefix)!, parseIpAddr(addr)!)).toBe(want);
  });

  it.each([
    ['8.8.8.8', true],
    ['100.64.1.1', false],
    ['192.168.1.1', false],
    ['2001:db8::1', true],
    ['fd7a:115c:a1e0::1', false],
  ])('%s is internet: %s', (addr, want) => expect(isInternetAddr(parseIpAddr(addr)!)).toBe(want));

  it('formats addresses', () => {
    expect(formatAddr(parseIpAddr('10.20.3.4')!)).toBe('10.20.3.4');
    expect(formatAddr(parseIpAddr('fd7a::1')!)).toBe('fd7a:0:0:0:0:0:0:1');
  });
});
