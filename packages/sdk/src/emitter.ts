import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DropCounter } from './logger.js';

/** Sends documents to a collector. Never throws and never blocks the caller. */
export interface Emitter {
  /** Queues one JSON document (already sized to fit) for sending. */
  send(document: string): void;
  /** Resolves when every document queued so far has been handed to the OS. Safe to call twice. */
  flush(): Promise<void>;
  /** Flushes, then releases the socket. Safe to call twice. */
  close(): Promise<void>;
  /** Documents handed to the OS so far. */
  readonly sentCount: number;
}

/** The X-Ray daemon protocol header, sent before each document. */
export const PROTOCOL_HEADER = '{"format":"json","version":1}\n';

/** Largest UDP payload over IPv4; a datagram is never larger than this. */
export const MAX_DATAGRAM_BYTES = 65_507;

/** Documents may be at most this many bytes so header + document fits in one datagram. */
export const MAX_DOCUMENT_BYTES = MAX_DATAGRAM_BYTES - Buffer.byteLength(PROTOCOL_HEADER);

/** The header as bytes, copied in front of each document. */
const HEADER_BYTES = Buffer.from(PROTOCOL_HEADER);

/**
 * Datagrams are encoded into slabs of this size (a new slab when the rest cannot hold the worst
 * case), so a send costs one UTF-8 write, not a header concatenation, a length scan and a
 * buffer allocation. Encoded bytes are never overwritten: sends in flight keep their slab alive.
 */
const SLAB_BYTES = 256 * 1024;

/** Sends still waiting for the OS beyond which new documents are dropped (and counted). */
export const MAX_IN_FLIGHT = 10_000;

/**
 * Sends each document as one datagram `{"format":"json","version":1}\n{doc}` to the daemon.
 *
 * Documents are encoded when sent and handed to the OS together once per event-loop turn, on a
 * socket connected to the daemon's address: a send then skips the per-datagram address lookup
 * Node does (a resolution and a tick; for a host name, a DNS query per datagram) and the
 * kernel's route lookup, and a burst of datagrams wakes the daemon once, not once each. A host
 * name is resolved when the socket connects. With no daemon listening, the kernel's refusals
 * arrive as socket errors and are counted as drops.
 */
export class UdpEmitter implements Emitter {
  private socket: Socket | undefined;
  private connected = false;
  /** Encoded datagrams not yet handed to the OS. */
  private pending: Buffer[] = [];
  private drainScheduled = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  private slab = Buffer.allocUnsafe(0);
  private slabUsed = 0;
  sentCount = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly drops: DropCounter,
  ) {}

  send(document: string): void {
    if (this.closed) {
      this.drops.drop('emitter_closed', 'document sent after close()');
      return;
    }
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.drops.drop('backlog', `more than ${MAX_IN_FLIGHT} datagrams waiting for the OS`);
      return;
    }
    try {
      this.pending.push(this.encode(document));
      this.inFlight++;
      if (this.socket === undefined) this.connect();
      else if (this.connected) this.scheduleDrain();
    } catch (err) {
      this.drops.drop('send_error', `${this.host}:${this.port}: ${(err as Error).message}`);
    }
  }

  flush(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(this.drain);
  }

  /** Hands every pending datagram to the OS (once per event-loop turn). */
  private readonly drain = (): void => {
    this.drainScheduled = false;
    const socket = this.socket;
    if (!socket || !this.connected) return;
    const batch = this.pending;
    this.pending = [];
    for (const datagram of batch) {
      try {
        socket.send(datagram, this.afterSend);
      } catch (err) {
        this.afterSend(err as Error);
      }
    }
  };

  private connect(): void {
    const socket = createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
    socket.unref();
    this.socket = socket;
    this.connected = false;
    socket.on('error', (err) => this.drops.drop('socket_error', err.message));
    // Node calls this with an error when the address cannot be resolved or connected to.
    socket.connect(this.port, this.host, (err?: Error) => {
      if (this.socket !== socket) return;
      if (!err) {
        this.connected = true;
        this.drain();
        return;
      }
      // Drop what waited; the next document tries again with a new socket.
      this.socket = undefined;
      socket.close();
      const batch = this.pending;
      this.pending = [];
      for (const _ of batch) this.afterSend(err);
    });
  }

  /** Called by the socket once per datagram (one function for all sends). */
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.drops.drop('send_error', `${this.host}:${this.port}: ${err.message}`);
    else this.sentCount++;
    this.settle();
  };

  /** `PROTOCOL_HEADER + document` as UTF-8, in the current slab. */
  private encode(document: string): Buffer {
    // A UTF-16 code unit is at most 3 UTF-8 bytes, so the write is never truncated.
    const worst = HEADER_BYTES.length + document.length * 3;
    if (this.slab.length - this.slabUsed < worst) {
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, worst));
      this.slabUsed = 0;
    }
    const slab = this.slab;
    const start = this.slabUsed;
    HEADER_BYTES.copy(slab, start);
    const end = start + HEADER_BYTES.length + slab.write(document, start + HEADER_BYTES.length);
    this.slabUsed = end;
    return slab.subarray(start, end);
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }
}
