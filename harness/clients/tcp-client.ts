// Raw TCP client for tcp-floor: `STREAM <lastEventId>\n`, then one JSON line per event.
// A class with bound listeners: no per-connection closures beyond the binds.
import { SocketDial } from './socket-dial.ts';
import { TCP_STREAM_PREFIX } from '../../servers/contract.ts';
import { eventFrom, nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import type { OpenStream, StreamTarget } from './types.ts';

class TcpDial extends SocketDial {
  private pending = '';

  constructor(
    target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
  ) {
    super(target, owner, 'utf8');
  }

  protected onConnect(): void {
    this.socket.write(`${TCP_STREAM_PREFIX}${this.lastEventId}\n`);
  }

  protected onData(chunk: string): void {
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
