import { FLUSH, PktLineError, parseReceiveRequest, pktLine, readPktLines, receivePackReply } from './pktline.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

describe('pkt-lines', () => {
  it('frames payloads with a four-digit hex length that counts itself', () => {
    expect(pktLine('hello\n').toString()).toBe('000ahello\n');
    expect(FLUSH.toString()).toBe('0000');
  });

  it('reads data, delim and flush packets and stops after the flush', () => {
    const buf = Buffer.concat([pktLine('one\n'), Buffer.from('0001'), pktLine('two'), FLUSH, Buffer.from('PACK')]);
    const { lines, offset } = readPktLines(buf);
    expect(lines.map((l) => (l.kind === 'data' ? l.payload.toString() : l.kind))).toEqual(['one\n', 'delim', 'two', 'flush']);
    expect(buf.subarray(offset).toString()).toBe('PACK');
  });

  it.each([
    ['a bad length', 'zzzzhello', /invalid pkt-line length "zzzz"/],
    ['a truncated packet', '0010abc', /needs 16 bytes, 7 left/],
    ['a truncated length', '00', /truncated pkt-line length/],
    ['length 3', '0003', /invalid pkt-line length 3/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => readPktLines(Buffer.from(text))).toThrow(message);
  });
});

describe('parseReceiveRequest', () => {
  it('reads the commands, the capabilities of the first line and where the pack starts', () => {
    const body = Buffer.concat([pktLine(`${A} ${B} refs/heads/weft/t\0 report-status side-band-64k agent=git/2.39\n`), pktLine(`${Z} ${B} refs/heads/main\n`), FLUSH, Buffer.from('PACK…')]);
    const r = parseReceiveRequest(body);
    expect(r.commands).toEqual([
      { oldOid: A, newOid: B, ref: 'refs/heads/weft/t' },
      { oldOid: Z, newOid: B, ref: 'refs/heads/main' },
    ]);
    expect(r.capabilities).toEqual(['report-status', 'side-band-64k', 'agent=git/2.39']);
    expect(body.subarray(r.bodyOffset).toString()).toBe('PACK…');
  });

  it('accepts SHA-256 object names', () => {
    const r = parseReceiveRequest(Buffer.concat([pktLine(`${'0'.repeat(64)} ${'c'.repeat(64)} refs/heads/x\0report-status`), FLUSH]));
    expect(r.commands[0]!.newOid).toHaveLength(64);
  });

  it.each([
    ['no flush', Buffer.from(pktLine(`${A} ${B} refs/heads/x`)), /without a flush/],
    ['no command', FLUSH, /no ref-update command/],
    ['a shallow line', Buffer.concat([pktLine(`shallow ${A}`), FLUSH]), /shallow clones/],
    ['a push certificate', Buffer.concat([pktLine('push-cert\0report-status'), FLUSH]), /push certificates/],
    ['garbage', Buffer.concat([pktLine('hello world'), FLUSH]), /not a ref-update command: "hello world"/],
  ])('refuses a request with %s', (_name, body, message) => {
    expect(() => parseReceiveRequest(body)).toThrow(PktLineError);
    expect(() => parseReceiveRequest(body)).toThrow(message);
  });
});

describe('receivePackReply', () => {
  const refs = [{ ref: 'refs/heads/main', error: 'weft: push only refs/heads/weft/t' }, { ref: 'refs/heads/weft/t' }];

  it('writes report-status with ok and ng lines', () => {
    expect(receivePackReply({ capabilities: ['report-status'], refs }).toString()).toBe(
      '000eunpack ok\n' + '0039ng refs/heads/main weft: push only refs/heads/weft/t\n' + '0019ok refs/heads/weft/t\n' + '0000',
    );
  });

  it('wraps it in side-band-64k, with the message on the progress band', () => {
    const reply = receivePackReply({ capabilities: ['report-status', 'side-band-64k'], refs: refs.slice(0, 1), message: 'line one\nline two' });
    const { lines } = readPktLines(reply);
    const bands = lines.flatMap((l) => (l.kind === 'data' ? [{ band: l.payload[0], text: l.payload.subarray(1).toString() }] : []));
    expect(bands.filter((b) => b.band === 2).map((b) => b.text)).toEqual(['line one\n', 'line two\n']);
    const status = Buffer.from(bands.filter((b) => b.band === 1).map((b) => b.text).join(''));
    expect(readPktLines(status).lines.flatMap((l) => (l.kind === 'data' ? [l.payload.toString()] : []))).toEqual(['unpack ok\n', 'ng refs/heads/main weft: push only refs/heads/weft/t\n']);
    expect(reply.subarray(-4).toString()).toBe('0000');
  });

  it('falls back to an ERR packet for clients without report-status, newlines flattened', () => {
    expect(receivePackReply({ capabilities: [], refs, message: 'no\nway' }).toString()).toBe('000fERR no way\n');
  });
});
