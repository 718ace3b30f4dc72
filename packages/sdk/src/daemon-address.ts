/** The daemon's UDP (segments) and TCP (sampling API) endpoints. */
export interface DaemonAddress {
  udpHost: string;
  udpPort: number;
  tcpHost: string;
  tcpPort: number;
}

/** X-Ray's default: 127.0.0.1:2000 for both protocols. */
export const DEFAULT_DAEMON_ADDRESS = '127.0.0.1:2000';

/**
 * Parses `host:port` (both protocols) or `udp:host:port tcp:host:port` (either order, separated
 * by spaces and/or a comma, as X-Ray's SDKs accept). Returns undefined for anything else.
 */
export function parseDaemonAddress(text: string): DaemonAddress | undefined {
  const parts = text
    .trim()
    .split(/[\s,]+/)
    .filter((p) => p.length > 0);
  if (parts.length === 1) {
    if (/^(udp|tcp):/i.test(parts[0]!)) return undefined;
    const hp = hostPort(parts[0]!);
    return hp && { udpHost: hp[0], udpPort: hp[1], tcpHost: hp[0], tcpPort: hp[1] };
  }
  if (parts.length !== 2) return undefined;
  let udp: [string, number] | undefined;
  let tcp: [string, number] | undefined;
  for (const part of parts) {
    const lower = part.toLowerCase();
    if (lower.startsWith('udp:')) udp = hostPort(part.slice(4));
    else if (lower.startsWith('tcp:')) tcp = hostPort(part.slice(4));
  }
  if (!udp || !tcp) return undefined;
  return { udpHost: udp[0], udpPort: udp[1], tcpHost: tcp[0], tcpPort: tcp[1] };
}

function hostPort(text: string): [string, number] | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return [host, port];
}
