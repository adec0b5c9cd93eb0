// The part of a dial that SSE and TCP share: one raw socket to the target (from an explicit
// source address only when the engine spread clients), Nagle off, bound listeners (no
// per-connection closures), and close/bytesRead on that socket.
import { connect, type Socket } from 'node:net';
import { DialBase, type DialOwner } from './resuming-stream.ts';
import type { StreamTarget } from './types.ts';

export abstract class SocketDial extends DialBase {
  protected readonly socket: Socket;

  /** `encoding`: decode reads to strings (TCP lines); null keeps Buffers (SSE decodes after HTTP framing). */
  constructor(target: StreamTarget, owner: DialOwner, encoding: BufferEncoding | null) {
    super(owner);
    this.socket = connect(target.localAddress ? { host: target.host, port: target.port, localAddress: target.localAddress } : { host: target.host, port: target.port });
    this.socket.setNoDelay(true);
    if (encoding) this.socket.setEncoding(encoding);
    // Callbacks come from the event loop, after the subclass's constructor has finished.
    this.socket.on('connect', this.onConnect.bind(this));
    this.socket.on('data', this.onData.bind(this));
    this.socket.on('error', this.onError.bind(this));
    this.socket.on('close', this.onClose.bind(this));
  }

  protected abstract onConnect(): void;
  protected abstract onData(chunk: Buffer | string): void;

  close(): void {
    this.finished = true;
    this.socket.destroy();
  }

  bytesRead(): number {
    return this.socket.bytesRead;
  }
}
