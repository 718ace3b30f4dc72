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
 * Documents wait at most this long before they are sent, so they leave in bursts. A datagram to
 * a collector that is asleep makes the kernel wake it on the sender's CPU: measured on this
 * project's VM, the first datagram of a burst cost about 30 µs of the app's CPU and each one
 * after it about 1 µs. Sent one by one, a server sampling 5 % of its requests paid that wake-up
 * for nearly every sampled request (docs/benchmarks.md, ADR 0006).
 */
export const SEND_INTERVAL_MS = 100;

/** A burst is sent at once when this many bytes wait (well inside a collector's receive buffer). */
export const BURST_BYTES = 64 * 1024;

/**
 * Sends each document as one datagram `{"format":"json","version":1}\n{doc}` to the daemon.
 *
 * Documents are encoded when queued and handed to the OS together in bursts: every
 * `SEND_INTERVAL_MS`, as soon as `BURST_BYTES` wait, on `flush()`, and when the event loop is
 * about to empty (`beforeExit`), so a script that simply ends loses nothing. The socket is
 * connected to the daemon's address: a send then skips the per-datagram address lookup Node
 * does (a resolution and a tick; for a host name, a DNS query per datagram) and the kernel's
 * route lookup, and a burst wakes the daemon once, not once per datagram. A host name is
 * resolved when the socket connects. With no daemon listening, the kernel's refusals arrive as
 * socket errors and are counted as drops. `process.exit()` skips `beforeExit`: call `flush()`
 * first.
 */
export class UdpEmitter implements Emitter {
  private socket: Socket | undefined;
  private connected = false;
  /** Encoded datagrams not yet handed to the OS. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private burstScheduled = false;
  private exitHooked = false;
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
      const datagram = this.encode(document);
      this.pending.push(datagram);
      this.pendingBytes += datagram.length;
      this.inFlight++;
      if (this.socket === undefined) this.connect();
      else if (this.connected) this.scheduleDrain();
    } catch (err) {
      this.drops.drop('send_error', `${this.host}:${this.port}: ${(err as Error).message}`);
    }
  }

  flush(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    this.drain();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.exitHooked) process.off('beforeExit', this.drain);
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
    if (this.pendingBytes >= BURST_BYTES) {
      if (!this.burstScheduled) {
        this.burstScheduled = true;
        setImmediate(this.drain);
      }
    } else if (this.timer === undefined) {
      // Unreferenced: the timer never keeps a process alive; `beforeExit` sends what is left.
      this.timer = setTimeout(this.drain, SEND_INTERVAL_MS).unref();
      if (!this.exitHooked) {
        this.exitHooked = true;
        process.on('beforeExit', this.drain);
      }
    }
  }

  /** Hands every pending datagram to the OS. */
  private readonly drain = (): void => {
    this.burstScheduled = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const socket = this.socket;
    if (!socket || !this.connected || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
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
      this.pendingBytes = 0;
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
