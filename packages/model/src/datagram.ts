/**
 * The X-Ray daemon's UDP framing: `{"format":"json","version":1}` + `\n` + one document.
 * The header is checked as the daemon checks it: `format` equal to "json" ignoring case and
 * `version` equal to 1; anything else rejects the datagram.
 */
export type DatagramResult =
  | { ok: true; body: string }
  | { ok: false; reason: 'bad_header' | 'missing_body'; message: string };

export function decodeDatagram(datagram: Buffer): DatagramResult {
  const nl = datagram.indexOf(0x0a);
  if (nl < 0 || nl === datagram.length - 1) {
    return {
      ok: false,
      reason: 'missing_body',
      message: 'datagram has no newline-separated segment after the header',
    };
  }
  let header: unknown;
  try {
    header = JSON.parse(datagram.toString('utf8', 0, nl));
  } catch {
    return { ok: false, reason: 'bad_header', message: 'datagram header is not JSON' };
  }
  const h = header as { format?: unknown; version?: unknown } | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    typeof h.format !== 'string' ||
    h.format.toLowerCase() !== 'json' ||
    h.version !== 1
  ) {
    return {
      ok: false,
      reason: 'bad_header',
      message: 'datagram header is not {"format":"json","version":1}',
    };
  }
  return { ok: true, body: datagram.toString('utf8', nl + 1) };
}
