// The part of a dial that SSE, WS and TCP share: one raw socket to the target (from an explicit
// source address only when the engine spread clients), Nagle off, bound listeners (no
// per-connection closures), and close/bytesRead on that socket.
//
// Reads bypass the stream machinery: `onread` hands every read to one callback in one buffer that
// all sockets of the process share. Node neither allocates a Buffer per read nor emits 'data', and
// a socket holds no read buffer of its own while idle. Sharing is safe because every dial consumes
// its bytes synchronously and copies only what an unfinished line or frame still needs.
import { Socket, type SocketConstructorOpts } from 'node:net';
import { DialBase, type DialOwner } from './resuming-stream.ts';
import type { StreamTarget } from './types.ts';

/** One read's worth; what a socket has beyond it comes in the next read. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const DIAL = Symbol('dial');

type DialSocket = Socket & { [DIAL]: BytesReader };

/** The one onread callback of every socket: `this` is the socket. */
function onRead(this: DialSocket, nread: number, buf: Buffer): boolean {
  this[DIAL].onBytes(buf, nread);
  return true;
}

/** Whatever reads a socket's bytes from the shared buffer: consumes or copies them during the call. */
export interface BytesReader {
  onBytes(buf: Buffer, n: number): void;
}

/**
 * An unconnected socket that reads into the shared buffer like a dial's (no Buffer per read, no
 * 'data' events), for the other sockets a client holds: the messages addition's POST connections.
 */
export function readingSocket(reader: BytesReader): Socket {
  const opts: SocketConstructorOpts & { onread: { buffer: Buffer; callback: typeof onRead } } = { onread: { buffer: READ_BUFFER, callback: onRead } };
  const socket = new Socket(opts) as Socket & { [DIAL]: BytesReader };
  socket[DIAL] = reader;
  socket.setNoDelay(true);
  return socket;
}

export abstract class SocketDial extends DialBase {
  protected readonly socket: Socket;

  constructor(target: StreamTarget, owner: DialOwner) {
    super(owner);
    // `onread` is a documented Socket option that @types/node 20 lists only for connect().
    const opts: SocketConstructorOpts & { onread: { buffer: Buffer; callback: typeof onRead } } = { onread: { buffer: READ_BUFFER, callback: onRead } };
    const socket = new Socket(opts) as DialSocket;
    socket[DIAL] = this;
    this.socket = socket;
    socket.setNoDelay(true);
    // Callbacks come from the event loop, after the subclass's constructor has finished.
    socket.on('connect', this.onConnect.bind(this));
    socket.on('error', this.onError.bind(this));
    socket.on('close', this.onClose.bind(this));
    socket.connect(target.localAddress ? { host: target.host, port: target.port, localAddress: target.localAddress } : { host: target.host, port: target.port });
  }

  protected abstract onConnect(): void;
  /** Bytes [0, n) of `buf`, valid only during the call: consume or copy them. */
  abstract onBytes(buf: Buffer, n: number): void;

  close(): void {
    this.finished = true;
    this.socket.destroy();
  }

  bytesRead(): number {
    return this.socket.bytesRead;
  }

  bytesWritten(): number {
    return this.socket.bytesWritten;
  }
}
