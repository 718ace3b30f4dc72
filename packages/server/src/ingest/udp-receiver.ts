import { createSocket, type Socket } from 'node:dgram';
import { decodeDatagram } from '@fluoro/model';
import { acceptDocument } from './accept-document.js';
import type { BatchWriter } from './batch-writer.js';
import type { IngestStats } from './ingest-stats.js';

/** Largest datagram the X-Ray daemon reads (its 64 KiB buffer); longer ones are rejected, not truncated. */
const MAX_DATAGRAM_BYTES = 64 * 1024;
/**
 * Kernel receive buffer asked for: it absorbs bursts while a store write holds the event loop.
 * Linux caps it at net.core.rmem_max (often 208 KiB), so a smaller grant is reported at start.
 */
const RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/** Listens for X-Ray daemon-protocol datagrams and hands valid documents to the writer. */
export async function startUdpReceiver(
  host: string,
  port: number,
  writer: BatchWriter,
  stats: IngestStats,
): Promise<{ socket: Socket; address: string; close(): Promise<void> }> {
  const socket = createSocket({
    type: host.includes(':') ? 'udp6' : 'udp4',
    recvBufferSize: RECEIVE_BUFFER_BYTES,
  });
  socket.on('message', (msg) => {
    if (msg.length > MAX_DATAGRAM_BYTES) {
      stats.received++;
      stats.reject('oversize_datagram', `datagram of ${msg.length} bytes is over ${MAX_DATAGRAM_BYTES}`);
      return;
    }
    const d = decodeDatagram(msg);
    if (!d.ok) {
      stats.received++;
      stats.reject(d.reason, d.message);
      return;
    }
    const doc = acceptDocument(d.body, stats);
    if ('rows' in doc) writer.offer(doc);
  });
  socket.on('error', (e) => console.error(`fluoro: udp socket error: ${e.message}`));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const granted = socket.getRecvBufferSize();
  if (granted < RECEIVE_BUFFER_BYTES) {
    console.error(
      `fluoro: the UDP receive buffer is ${granted} bytes (asked ${RECEIVE_BUFFER_BYTES}); bursts may be lost: raise net.core.rmem_max (docs/ingest.md)`,
    );
  }
  const a = socket.address();
  let closed = false;
  return {
    socket,
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        socket.close(() => resolve());
      }),
  };
}
