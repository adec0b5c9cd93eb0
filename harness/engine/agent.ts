// A load agent (`pushbench agent --listen host:port`): a TCP server a coordinator connects to.
// Over that one connection it forks client workers here, exactly as the pool forks them locally,
// and relays the worker protocol (protocol.ts) between them and the coordinator. When the
// coordinator goes (finished, crashed, unplugged) the agent ends every worker it forked for it and
// waits for the next one. One coordinator at a time: two runs sharing a host would measure each other.
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { createServer, type Server, type Socket } from 'node:net';
import { ephemeralPorts, openFileCap } from '../environment.ts';
import { UserError } from '../errors.ts';
import { AGENT_MAX_LINE_BYTES, AGENT_PROTOCOL_VERSION, formatHostPort, readLines, writeLine, type ToAgent } from './agent-protocol.ts';
import { parseToAgent } from './agent-messages.ts';
import { forkWorker } from './pool.ts';
import type { Envelope, Reply } from './protocol.ts';
import { workerBundle } from './worker-bundle.ts';

export interface AgentOptions {
  host: string;
  /** 0 = any free port (tests). */
  port: number;
  /** One line per event (default: stderr). */
  log?: (line: string) => void;
  /** A connection that has not said hello by then is refused, freeing the one coordinator slot. */
  handshakeTimeoutMs?: number;
}

export interface RunningAgent {
  host: string;
  port: number;
  /** Pids of the workers forked for the current coordinator. */
  workerPids(): number[];
  /** Stops listening and ends the current coordinator's workers. Idempotent. */
  close(): Promise<void>;
  /** Synchronous last resort on process exit: SIGKILL every worker still running. */
  killNow(): void;
}

/** Grace between SIGTERM and SIGKILL of a worker, the same as the pool's close. */
const WORKER_GRACE_MS = 2000;
/** A real coordinator says hello right after connecting; anything slower is not one. */
export const HANDSHAKE_TIMEOUT_MS = 5000;
/** After a refusal, time the peer gets to read it before the connection is cut. */
const REFUSE_LINGER_MS = 500;

/** Ends a refused connection: the refusal line is flushed, and the socket destroyed even if the peer never reads or closes. */
function endRefused(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), REFUSE_LINGER_MS).unref();
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`pushbench agent: ${line}\n`));
  // Built before listening, so a coordinator's spawn does not wait for esbuild.
  const bundle = await workerBundle();
  let current: Session | null = null;
  const server: Server = createServer((socket) => {
    const peer = formatHostPort({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    if (current !== null) {
      socket.on('error', () => undefined);
      writeLine(socket, { type: 'refused', message: `busy with coordinator ${current.peer}; one coordinator at a time` });
      endRefused(socket);
      log(`refused coordinator ${peer}: busy with ${current.peer}`);
      return;
    }
    const session = new Session(socket, peer, bundle, log, opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
    current = session;
    void session.ended.then(() => {
      if (current === session) current = null;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UserError(`agent cannot listen on ${formatHostPort({ host: opts.host, port: opts.port })} (${err.code ?? err.message}): pick another address or port for --listen`, 1)),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  let closing: Promise<void> | null = null;
  return {
    host: opts.host,
    port,
    workerPids: () => current?.pids() ?? [],
    close: () => {
      closing ??= (async () => {
        server.close();
        await current?.end('dropped, the agent is stopping');
      })();
      return closing;
    },
    killNow: () => current?.killNow(),
  };
}

/** One coordinator connection and the workers forked for it. */
class Session {
  private readonly workers: ChildProcess[] = [];
  private readonly exits: Promise<void>[] = [];
  private greeted = false;
  private refused = false;
  private readonly handshakeTimer: NodeJS.Timeout;
  private ending: Promise<void> | null = null;
  private resolveEnded: () => void = () => undefined;
  readonly ended: Promise<void>;

  constructor(
    private readonly socket: Socket,
    readonly peer: string,
    private readonly bundle: string,
    private readonly log: (line: string) => void,
    handshakeTimeoutMs: number,
  ) {
    this.ended = new Promise((r) => (this.resolveEnded = r));
    socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(() => this.refuse(`no hello within ${handshakeTimeoutMs} ms: is this a pushbench coordinator?`), handshakeTimeoutMs);
    this.handshakeTimer.unref();
    readLines(
      socket,
      (value) => this.onLine(value),
      (why) => this.refuse(why),
      AGENT_MAX_LINE_BYTES,
    );
    socket.on('error', () => undefined); // 'close' follows; that is where we clean up
    socket.on('close', () => void this.end('gone'));
  }

  pids(): number[] {
    return this.workers.map((w) => w.pid ?? 0).filter((p) => p > 0);
  }

  killNow(): void {
    for (const w of this.workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  }

  /** Ends every worker (SIGTERM, SIGKILL after the grace) and the connection. Idempotent. */
  end(why: string): Promise<void> {
    this.ending ??= (async () => {
      clearTimeout(this.handshakeTimer);
      this.socket.destroy();
      for (const w of this.workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
      const all = Promise.all(this.exits);
      const timer = setTimeout(() => this.killNow(), WORKER_GRACE_MS);
      await all;
      clearTimeout(timer);
      if (this.greeted) this.log(`coordinator ${this.peer} ${why}: ended its ${this.workers.length} workers`);
      this.resolveEnded();
    })();
    return this.ending;
  }

  /** One line back, the connection closed (its workers ended), the agent serves the next one. */
  private refuse(message: string): void {
    if (this.refused || this.ending !== null) return;
    this.refused = true;
    clearTimeout(this.handshakeTimer);
    writeLine(this.socket, { type: 'refused', message });
    endRefused(this.socket);
    this.log(`refused coordinator ${this.peer}: ${message}`);
    // Nothing more is read from a refused connection: with no worker to end, the slot is free now
    // (the next coordinator need not wait for this peer to read its refusal and close).
    if (this.workers.length === 0) this.resolveEnded();
  }

  /** Every line is checked before use; a bad one, or one this agent cannot act on, refuses the connection. */
  private onLine(value: unknown): void {
    if (this.refused) return;
    const parsed = parseToAgent(value);
    if (!parsed.ok) return this.refuse(parsed.why);
    try {
      this.onMessage(parsed.msg);
    } catch (err) {
      // A valid message this connection cannot act on (a worker's channel closing under it) ends
      // this connection, never the agent.
      this.refuse(`could not act on a ${parsed.msg.type} message: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  private onMessage(msg: ToAgent): void {
    if (!this.greeted) {
      if (msg.type !== 'hello') return this.refuse('expected a hello first: is this a pushbench coordinator?');
      if (msg.version !== AGENT_PROTOCOL_VERSION) {
        return this.refuse(`coordinator speaks agent protocol v${String(msg.version)}, this agent v${AGENT_PROTOCOL_VERSION}: run the same pushbench version on both`);
      }
      this.greeted = true;
      clearTimeout(this.handshakeTimer);
      writeLine(this.socket, { type: 'welcome', version: AGENT_PROTOCOL_VERSION, hostname: hostname(), fdCap: openFileCap(), ephemeralPorts: ephemeralPorts() });
      this.log(`coordinator ${this.peer} connected`);
      return;
    }
    switch (msg.type) {
      case 'hello':
        return this.refuse('a second hello on one connection');
      case 'ping':
        writeLine(this.socket, { type: 'pong', id: msg.id, ns: String(process.hrtime.bigint()) });
        return;
      case 'spawn':
        return this.spawn(msg.workers);
      case 'to-worker': {
        const w = Object.hasOwn(this.workers, msg.worker) ? this.workers[msg.worker] : undefined;
        if (w?.connected) {
          w.send(msg.msg);
          return;
        }
        const why = w ? `client worker ${msg.worker} has exited` : `no client worker ${msg.worker}`;
        writeLine(this.socket, { type: 'from-worker', worker: msg.worker, msg: { id: msg.msg.id, body: { type: 'error', message: why } } });
        return;
      }
      case 'kill':
        if (Object.hasOwn(this.workers, msg.worker)) this.workers[msg.worker]!.kill('SIGKILL');
        return;
    }
  }

  private spawn(n: number): void {
    if (this.workers.length > 0) {
      writeLine(this.socket, { type: 'error', message: 'workers already spawned on this connection' });
      return;
    }
    for (let i = 0; i < n; i++) {
      const child = forkWorker(this.bundle);
      this.workers.push(child);
      child.on('message', (msg: Envelope<Reply>) => writeLine(this.socket, { type: 'from-worker', worker: i, msg }));
      // A failed fork emits 'error'; unhandled it would end the agent. Its exit follows (or not, if it never started).
      child.on('error', (err) => this.log(`client worker ${i}: ${err.message}`));
      this.exits.push(
        new Promise((resolve) => {
          if (child.pid === undefined) return resolve();
          child.once('exit', (code, signal) => {
            writeLine(this.socket, { type: 'worker-exit', worker: i, description: `exited (${signal ?? code})` });
            resolve();
          });
        }),
      );
    }
    // In spawn order, 0 for a fork that never started: the coordinator indexes workers by position.
    writeLine(this.socket, { type: 'spawned', pids: this.workers.map((w) => w.pid ?? 0) });
    this.log(`coordinator ${this.peer}: spawned ${n} client workers (pids ${this.pids().join(', ')})`);
  }
}
