// Raw TCP client for tcp-floor: `STREAM <lastEventId>\n`, then one JSON line per event.
// A class with bound listeners: no per-connection closures beyond the binds.
import { connect, type Socket } from 'node:net';
import { TCP_STREAM_PREFIX } from '../../servers/contract.ts';
import { DialBase, eventFrom, nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import type { OpenStream, StreamTarget } from './types.ts';

class TcpDial extends DialBase {
  private readonly socket: Socket;
  private pending = '';

  constructor(
    target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
  ) {
    super(owner);
    this.socket = connect(target.localAddress ? { host: target.host, port: target.port, localAddress: target.localAddress } : { host: target.host, port: target.port });
    this.socket.setNoDelay(true);
    this.socket.setEncoding('utf8');
    this.socket.on('connect', this.onConnect.bind(this));
    this.socket.on('data', this.onData.bind(this));
    this.socket.on('error', this.onError.bind(this));
    this.socket.on('close', this.onClose.bind(this));
  }

  close(): void {
    this.finished = true;
    this.socket.destroy();
  }

  bytesRead(): number {
    return this.socket.bytesRead;
  }

  private onConnect(): void {
    this.socket.write(`${TCP_STREAM_PREFIX}${this.lastEventId}\n`);
  }

  private onData(chunk: string): void {
    const recvNs = nowNs();
    const text = this.pending === '' ? chunk : this.pending + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line === '') continue; // heartbeat
      if (!this.opened) {
        // The hello line establishes the stream and carries the retry hint.
        const retry = /"retry":(\d+)/.exec(line);
        if (retry) this.owner.retryHint(this, Number(retry[1]));
        this.markOpened();
        continue;
      }
      const i = line.indexOf('"data":');
      const e = i >= 0 ? eventFrom(line.slice(i + 7, -1), recvNs) : null;
      if (e) this.owner.event(this, e);
    }
    this.pending = start < text.length ? text.slice(start) : '';
  }
}

const dialTcp: Dial = (target, lastEventId, owner) => new TcpDial(target, lastEventId, owner);

export const openTcpStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialTcp, target, policy, handlers, initialLastEventId);
