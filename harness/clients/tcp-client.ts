// Raw TCP client for tcp-floor: `STREAM <lastEventId>\n`, then one JSON line per event, read as
// bytes from the shared read buffer (socket-dial.ts): no string per line or per event.
import { SocketDial } from './socket-dial.ts';
import { TCP_STREAM_PREFIX } from '../../servers/contract.ts';
import { eventFromEnvelope, helloRetry } from './event-bytes.ts';
import { nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import type { OpenStream, StreamTarget } from './types.ts';

const LF = 0x0a;

class TcpDial extends SocketDial {
  /** An unfinished line carried over from earlier reads. */
  private carry: Buffer | null = null;

  constructor(
    target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
  ) {
    super(target, owner);
  }

  protected onConnect(): void {
    this.socket.write(`${TCP_STREAM_PREFIX}${this.lastEventId}\n`);
  }

  onBytes(buf: Buffer, n: number): void {
    if (this.finished) return;
    const recvNs = nowNs();
    let start = 0;
    if (this.carry !== null) {
      let nl = 0;
      while (nl < n && buf[nl] !== LF) nl++;
      if (nl === n) {
        this.carry = Buffer.concat([this.carry, buf.subarray(0, n)]);
        return;
      }
      const line = Buffer.concat([this.carry, buf.subarray(0, nl)]);
      this.carry = null;
      this.line(line, 0, line.length, recvNs);
      start = nl + 1;
    }
    for (let i = start; i < n; i++) {
      if (buf[i] !== LF) continue;
      this.line(buf, start, i, recvNs);
      if (this.finished) return;
      start = i + 1;
    }
    if (start < n) this.carry = Buffer.from(buf.subarray(start, n));
  }

  private line(buf: Buffer, start: number, end: number, recvNs: number): void {
    if (start === end) return; // heartbeat
    if (!this.opened) {
      // The hello line establishes the stream and carries the retry hint.
      const retry = helloRetry(buf, start, end);
      if (retry !== null) this.owner.retryHint(this, retry);
      this.markOpened();
      return;
    }
    const e = eventFromEnvelope(buf, start, end, recvNs);
    if (e) this.owner.event(this, e);
  }
}

const dialTcp: Dial = (target, lastEventId, owner) => new TcpDial(target, lastEventId, owner);

export const openTcpStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialTcp, target, policy, handlers, initialLastEventId);
