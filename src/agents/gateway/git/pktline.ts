/**
 * Git's pkt-line framing (gitprotocol-common(5)) and the parts of the receive-pack protocol the
 * gateway reads and writes: the ref-update commands at the start of a push, and a report-status
 * reply (optionally inside side-band-64k) that the git client prints as `! [remote rejected]`.
 */

/** The all-zero object name: an old value meaning "create", a new value meaning "delete". */
export const ZERO_OID = /^0+$/;

/** One pkt-line: its payload, or `flush` (0000), `delim` (0001) or `end` (0002). */
export type PktLine = { kind: 'data'; payload: Buffer } | { kind: 'flush' | 'delim' | 'end' };

/** A malformed pkt-line stream (bad length, truncated packet). */
export class PktLineError extends Error {
  override name = 'PktLineError';
}

const MAX_PKT = 65520;

/**
 * Reads pkt-lines from `buf` starting at `offset` until a flush packet (included) or the end of
 * the buffer; returns them and the offset just after the last one read.
 */
export function readPktLines(buf: Buffer, offset = 0): { lines: PktLine[]; offset: number } {
  const lines: PktLine[] = [];
  let at = offset;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new PktLineError(`truncated pkt-line length at byte ${at}`);
    const hex = buf.toString('latin1', at, at + 4);
    if (!/^[0-9a-f]{4}$/i.test(hex)) throw new PktLineError(`invalid pkt-line length "${hex}" at byte ${at}`);
    const len = parseInt(hex, 16);
    if (len === 0 || len === 1 || len === 2) {
      lines.push({ kind: len === 0 ? 'flush' : len === 1 ? 'delim' : 'end' });
      at += 4;
      if (len === 0) break;
      continue;
    }
    if (len < 4 || len > MAX_PKT) throw new PktLineError(`invalid pkt-line length ${len} at byte ${at}`);
    if (at + len > buf.length) throw new PktLineError(`pkt-line at byte ${at} needs ${len} bytes, ${buf.length - at} left`);
    lines.push({ kind: 'data', payload: buf.subarray(at + 4, at + len) });
    at += len;
  }
  return { lines, offset: at };
}

/** One pkt-line with `payload` (a string gets no newline added). */
export function pktLine(payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (data.length + 4 > MAX_PKT) throw new PktLineError(`pkt-line payload of ${data.length} bytes is too long (max ${MAX_PKT - 4})`);
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'latin1'), data]);
}

/** The flush packet. */
export const FLUSH = Buffer.from('0000', 'latin1');

/** One ref update a client asked for: `<old> <new> <ref>`. */
export interface RefCommand {
  oldOid: string;
  newOid: string;
  ref: string;
}

/** The commands of a receive-pack request and the capabilities on its first line. */
export interface ReceiveRequest {
  commands: RefCommand[];
  capabilities: string[];
  /** Offset of what follows the commands' flush (push options, then the pack). */
  bodyOffset: number;
}

/**
 * Parses the command list at the start of a `git-receive-pack` request body (uncompressed).
 * Shallow lines and a push certificate are not supported: they throw, the push is refused.
 * @example parseReceiveRequest(body).commands // [{ oldOid: '000…', newOid: 'ab12…', ref: 'refs/heads/weft/fix' }]
 */
export function parseReceiveRequest(body: Buffer): ReceiveRequest {
  const { lines, offset } = readPktLines(body);
  if (lines.at(-1)?.kind !== 'flush') throw new PktLineError('the ref-update commands end without a flush packet');
  const commands: RefCommand[] = [];
  let capabilities: string[] = [];
  for (const line of lines) {
    if (line.kind !== 'data') continue;
    let text = line.payload.toString('utf8');
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      if (commands.length === 0) capabilities = text.slice(nul + 1).trim().split(' ').filter(Boolean);
      text = text.slice(0, nul);
    }
    text = text.replace(/\n$/, '');
    if (text.startsWith('shallow ')) throw new PktLineError('pushes from shallow clones are not supported by the gateway: clone without --depth');
    if (text.startsWith('push-cert')) throw new PktLineError('signed pushes (push certificates) are not supported by the gateway');
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (\S+)$/.exec(text);
    if (!m) throw new PktLineError(`not a ref-update command: "${text.slice(0, 120)}"`);
    commands.push({ oldOid: m[1]!, newOid: m[2]!, ref: m[3]! });
  }
  if (commands.length === 0) throw new PktLineError('the push carries no ref-update command');
  return { commands, capabilities, bodyOffset: offset };
}

/** A ref's line in a report-status: `ok` or `ng` with the reason the client prints. */
export interface RefReport {
  ref: string;
  error?: string;
}

/**
 * A receive-pack reply that reports `refs` (report-status), wrapped in side-band-64k when the
 * client asked for it, with `message` on the progress band (printed as `remote: …`). Without
 * report-status, the reply is an `ERR` pkt-line (printed as `remote error: …`).
 */
export function receivePackReply(o: { capabilities: string[]; refs: RefReport[]; message?: string }): Buffer {
  const caps = new Set(o.capabilities);
  const reason = (s: string) => s.replace(/[\r\n]+/g, ' ').slice(0, 900);
  if (!caps.has('report-status') && !caps.has('report-status-v2')) {
    return pktLine(`ERR ${reason(o.message ?? o.refs.map((r) => `${r.ref}: ${r.error ?? 'ok'}`).join('; '))}\n`);
  }
  const status = Buffer.concat([pktLine('unpack ok\n'), ...o.refs.map((r) => pktLine(r.error ? `ng ${r.ref} ${reason(r.error)}\n` : `ok ${r.ref}\n`)), FLUSH]);
  if (!caps.has('side-band-64k') && !caps.has('side-band')) return status;
  const out: Buffer[] = [];
  if (o.message) for (const line of o.message.split('\n')) out.push(pktLine(Buffer.concat([Buffer.from([2]), Buffer.from(`${line}\n`, 'utf8')])));
  const chunk = caps.has('side-band-64k') ? MAX_PKT - 5 : 995;
  for (let i = 0; i < status.length; i += chunk) out.push(pktLine(Buffer.concat([Buffer.from([1]), status.subarray(i, i + chunk)])));
  out.push(FLUSH);
  return Buffer.concat(out);
}
