// A TCP proxy that holds every chunk for `delayMs` in each direction: the added latency of
// `--net delay=…`. The kernel has no netem here, so delay is made in user space; loss and
// bandwidth stay in the kernel (nft, tbf) on the veth behind the proxy, where they act on packets.
//
// Each direction is a FIFO of (due time, chunk) with one timer armed for its head: every chunk
// has the same delay, so arrival order is due order and one timer per direction is enough.
import { connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface DelayProxyOptions {
  targetHost: string;
  targetPort: number;
  delayMs: number;
  listenHost?: string;
}

export interface DelayProxy {
  host: string;
  port: number;
  /** Stops listening and destroys every proxied connection. */
  close(): Promise<void>;
  /** Proxied connections currently open. */
  connections(): number;
}

/**
 * Bytes one direction may hold in its delay queue before the source is paused. A real link holds
 * rate × delay bytes in flight; without a cap a loopback sender could park gigabytes here. 8 MiB
 * still lets one connection move 80 MB/s at 100 ms, far above what the benchmarks push per socket.
 */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const { targetHost, targetPort, delayMs } = opts;
  const listenHost = opts.listenHost ?? '127.0.0.1';
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delayMs must be a finite number >= 0, got ${delayMs}`);
  const open = new Set<Socket>();
  let active = 0;

  // allowHalfOpen: a client's FIN must reach the server as a FIN (after the delay) while the
  // server's answer still flows back, exactly as it would without the proxy.
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const upstream = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    active++;
    open.add(client);
    open.add(upstream);
    // Nagle in the proxy would add its own delay on top of the one asked for.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const toServer = relay(client, upstream, delayMs);
    const toClient = relay(upstream, client, delayMs);
    let closed = 0;
    const teardown = (): void => {
      toServer.stop();
      toClient.stop();
      client.destroy();
      upstream.destroy();
    };
    // A reset or refused connection on one side cannot be expressed as data: end both at once.
    client.on('error', teardown);
    upstream.on('error', teardown);
    const onClose = (s: Socket) => (): void => {
      open.delete(s);
      if (++closed === 2) active--;
    };
    client.on('close', onClose(client));
    upstream.on('close', onClose(upstream));
    client.resume();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listenHost, port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  let closing: Promise<void> | null = null;
  return {
    host: listenHost,
    port,
    connections: () => active,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      });
      return closing;
    },
  };
}

interface Relay {
  stop(): void;
}

/** Forwards src → dst, each chunk (and the final end) `delayMs` after it arrived. */
function relay(src: Socket, dst: Socket, delayMs: number): Relay {
  // `chunk: null` is the source's end, queued like data so the FIN is delayed too and never
  // overtakes bytes sent before it.
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let head = 0;
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let dstBlocked = false;
  let stopped = false;

  const updateFlow = (): void => {
    if (stopped) return;
    if (dstBlocked || queuedBytes > MAX_QUEUED_BYTES) src.pause();
    else src.resume();
  };

  const flush = (): void => {
    timer = null;
    if (stopped) return;
    const now = performance.now();
    while (head < queue.length) {
      const item = queue[head]!;
      if (item.due > now) break;
      head++;
      if (dst.destroyed) continue;
      if (item.chunk === null) {
        dst.end();
      } else {
        queuedBytes -= item.chunk.length;
        if (!dst.write(item.chunk)) dstBlocked = true;
      }
    }
    // Drop the consumed prefix now and then instead of shifting on every chunk.
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024) {
      queue.splice(0, head);
      head = 0;
    }
    const next = queue[head];
    // Timers may fire a little early against performance.now(); re-arming for the remainder
    // keeps the promise that no chunk leaves before its delay.
    if (next) timer = setTimeout(flush, Math.max(1, Math.ceil(next.due - now)));
    updateFlow();
  };

  const enqueue = (chunk: Buffer | null): void => {
    if (stopped) return;
    queue.push({ due: performance.now() + delayMs, chunk });
    if (chunk) queuedBytes += chunk.length;
    // delay 0: forward at once (a plain pipe); otherwise the head's timer is already armed
    // unless the queue was empty.
    if (delayMs === 0) flush();
    else if (timer === null) timer = setTimeout(flush, Math.max(1, Math.ceil(delayMs)));
    updateFlow();
  };

  src.on('data', (chunk: Buffer) => enqueue(chunk));
  src.on('end', () => enqueue(null));
  dst.on('drain', () => {
    dstBlocked = false;
    updateFlow();
  });
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      queue.length = 0;
      head = 0;
    },
  };
}
