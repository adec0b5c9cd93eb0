// The coordinator's side of load agents (agent.ts): connects to each agent, checks it speaks our
// protocol version, measures its clock against ours, plans its share of the clients with its own
// limits and asks it to fork the workers. Each remote worker answers to the same interface as a
// local one (pool.ts PoolWorker), so the pool drives them the same way.
import type { AgentClock } from '../../result/extras.ts';
import { connect, type Socket } from 'node:net';
import { openFileCap } from '../environment.ts';
import { UserError } from '../errors.ts';
import { AGENT_PROTOCOL_VERSION, COORDINATOR_MAX_LINE_BYTES, formatHostPort, isLoopback, parseHostPort, readLines, writeLine, type FromAgent } from './agent-protocol.ts';
import { shardClients, type ShardLayout } from './shards.ts';
import type { PoolOptions, PoolWorker } from './pool.ts';
import type { Envelope, Reply, Request } from './protocol.ts';

export interface AgentSession {
  clocks: AgentClock[];
  /** Closes every agent connection (the agents then end any worker still running). */
  close(): Promise<void>;
}

export interface Placement {
  workers: PoolWorker[];
  layout: ShardLayout;
  caps: number[];
  clockOffsetsNs: number[];
  session: AgentSession;
}

/** Ping-pongs per agent; the one with the smallest round trip gives the offset. */
export const CLOCK_PINGS = 24;
const CONNECT_TIMEOUT_MS = 5000;
/** How long an agent may take to answer the handshake, a ping or a spawn. */
const REPLY_TIMEOUT_MS = 15_000;

/** Connects to every agent, splits the clients evenly over them and starts their workers. */
export async function placeOnAgents(addresses: string[], opts: PoolOptions): Promise<Placement> {
  const targets = addresses.map((a) => parseHostPort(a, 'agent'));
  if (isLoopback(opts.target.host)) {
    const remote = targets.find((t) => !isLoopback(t.host));
    if (remote) {
      throw new UserError(
        `the server listens on ${opts.target.host}, which agent ${formatHostPort(remote)} cannot reach (it is each host's own loopback): with remote agents, bind the servers to an address the agents reach with --server-host`,
      );
    }
  }
  const settled = await Promise.allSettled(targets.map((t) => AgentConnection.open(formatHostPort(t), t.host, t.port)));
  const agents = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const closeAll = async (): Promise<void> => {
    await Promise.all(agents.map((a) => a.close()));
  };
  try {
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const offsets = await Promise.all(agents.map((a) => a.measureClock(CLOCK_PINGS)));
    const serverFdCap = openFileCap();
    const workers: PoolWorker[] = [];
    const caps: number[] = [];
    const clockOffsetsNs: number[] = [];
    const shards: ShardLayout['shards'] = [];
    const clocks: AgentClock[] = [];
    let workerCap = Infinity;
    for (let a = 0; a < agents.length; a++) {
      const agent = agents[a]!;
      const share = Math.floor(opts.clients / agents.length) + (a < opts.clients % agents.length ? 1 : 0);
      const clock = offsets[a]!;
      clocks.push({ address: agent.address, offsetNs: clock.offsetNs, uncertaintyNs: clock.uncertaintyNs, workers: 0, clients: share });
      if (share === 0) continue;
      // Each agent host has its own open-file cap and port range: its share is planned with those.
      // The server still runs here, so its cap is ours.
      const layout = shardClients(share, {
        maxPerWorker: opts.maxPerWorker,
        workers: opts.workers ? Math.ceil(opts.workers / agents.length) : undefined,
        fdCap: agent.limits.fdCap,
        ephemeralPorts: agent.limits.ephemeralPorts,
        serverFdCap,
        serverProcesses: opts.serverProcesses,
      });
      if (layout.shards.some((s) => s.addresses.some((x) => x.address !== null))) {
        // Spreading binds 127.0.0.x source addresses, which cannot reach a server on another host.
        throw new UserError(`agent ${agent.address} would hold ${share} connections, more than one source address takes on that host: add agents so each holds fewer`);
      }
      const remote = await agent.spawn(layout.shards.length);
      workers.push(...remote);
      shards.push(...layout.shards);
      caps.push(...remote.map(() => layout.workerCap));
      clockOffsetsNs.push(...remote.map(() => clock.offsetNs));
      workerCap = Math.min(workerCap, layout.workerCap);
      clocks[a]!.workers = remote.length;
    }
    return {
      workers,
      layout: { shards, sourceAddresses: 1, workerCap },
      caps,
      clockOffsetsNs,
      session: { clocks, close: closeAll },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** One coordinator connection to one agent. */
export class AgentConnection {
  private readonly workers = new Map<number, RemoteWorker>();
  /** The one outstanding handshake / ping / spawn reply (they are sent one at a time). */
  private pending: { resolve: (m: FromAgent) => void; reject: (e: Error) => void } | null = null;
  private goneReason: string | null = null;
  private readonly closed: Promise<void>;
  limits = { fdCap: 0, ephemeralPorts: 0 };

  private constructor(
    readonly address: string,
    private readonly socket: Socket,
  ) {
    readLines(
      socket,
      (msg) => this.onMessage(msg as FromAgent),
      (why) => socket.destroy(new Error(why)),
      COORDINATOR_MAX_LINE_BYTES,
    );
    this.closed = new Promise((resolve) => {
      socket.on('error', (err) => (this.goneReason ??= err.message));
      socket.on('close', () => {
        this.gone(`agent ${this.address} disconnected${this.goneReason ? ` (${this.goneReason})` : ''}`);
        resolve();
      });
    });
  }

  /** Connects and shakes hands; every failure is a UserError naming the agent and the fix. */
  static async open(address: string, host: string, port: number): Promise<AgentConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => s.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new UserError(`cannot reach agent ${address} (${err.code ?? err.message}): start it with \`pushbench agent --listen ${address}\``, 1));
      });
    });
    const agent = new AgentConnection(address, socket);
    try {
      writeLine(socket, { type: 'hello', version: AGENT_PROTOCOL_VERSION });
      const reply = await agent.await(['welcome', 'refused']);
      if (reply.type === 'refused') throw new UserError(`agent ${address} refused this coordinator: ${reply.message}`, 1);
      if (reply.type !== 'welcome') throw new Error('unreachable');
      // The agent checks too; this side checks as well so neither trusts the other to.
      if (reply.version !== AGENT_PROTOCOL_VERSION) {
        throw new UserError(`agent ${address} speaks agent protocol v${reply.version}, this coordinator v${AGENT_PROTOCOL_VERSION}: run the same pushbench version on both`, 1);
      }
      agent.limits = { fdCap: reply.fdCap, ephemeralPorts: reply.ephemeralPorts };
      return agent;
    } catch (err) {
      await agent.close();
      throw err;
    }
  }

  /**
   * `pings` round trips, one at a time: offset = agent time − midpoint of the round trip with the
   * smallest RTT (the least queueing, so the most symmetric), known to ± that RTT / 2.
   */
  async measureClock(pings: number): Promise<{ offsetNs: number; uncertaintyNs: number }> {
    let best: { rtt: bigint; offset: bigint } | null = null;
    for (let id = 1; id <= pings; id++) {
      const sent = process.hrtime.bigint();
      writeLine(this.socket, { type: 'ping', id });
      const pong = await this.await(['pong']);
      const received = process.hrtime.bigint();
      if (pong.type !== 'pong' || pong.id !== id) throw new Error(`agent ${this.address} answered ping ${id} out of turn`);
      const rtt = received - sent;
      if (best === null || rtt < best.rtt) best = { rtt, offset: BigInt(pong.ns) - (sent + received) / 2n };
    }
    if (best === null) throw new Error('no clock pings');
    return { offsetNs: Number(best.offset), uncertaintyNs: Number(best.rtt) / 2 };
  }

  async spawn(n: number): Promise<RemoteWorker[]> {
    writeLine(this.socket, { type: 'spawn', workers: n });
    const reply = await this.await(['spawned']);
    if (reply.type !== 'spawned') throw new Error('unreachable');
    return reply.pids.map((pid, i) => {
      const w = new RemoteWorker(this, i, pid);
      this.workers.set(i, w);
      return w;
    });
  }

  send(msg: Parameters<typeof writeLine>[1]): boolean {
    return writeLine(this.socket, msg);
  }

  get disconnected(): string | null {
    return this.socket.destroyed ? (this.goneReason ?? `agent ${this.address} disconnected`) : null;
  }

  /** Ends the connection; the agent ends its workers when it sees it close. */
  async close(): Promise<void> {
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 2000);
    await this.closed;
    clearTimeout(timer);
  }

  private await(types: FromAgent['type'][]): Promise<FromAgent> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(new Error(`agent ${this.address} disconnected`));
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new UserError(`agent ${this.address} did not answer within ${REPLY_TIMEOUT_MS} ms (waiting for ${types.join(' or ')})`, 1));
      }, REPLY_TIMEOUT_MS);
      this.pending = {
        resolve: (m) => {
          clearTimeout(timer);
          if (types.includes(m.type)) resolve(m);
          else reject(new Error(`agent ${this.address} answered ${m.type}, expected ${types.join(' or ')}`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private onMessage(msg: FromAgent): void {
    switch (msg.type) {
      case 'from-worker':
        this.workers.get(msg.worker)?.onReply(msg.msg);
        return;
      case 'worker-exit':
        this.workers.get(msg.worker)?.onExit(`client worker ${msg.worker} on agent ${this.address} ${msg.description}`);
        return;
      case 'error': {
        const p = this.pending;
        this.pending = null;
        if (p) p.reject(new UserError(`agent ${this.address}: ${msg.message}`, 1));
        return;
      }
      default: {
        const p = this.pending;
        this.pending = null;
        p?.resolve(msg);
      }
    }
  }

  private gone(reason: string): void {
    this.goneReason ??= reason;
    const p = this.pending;
    this.pending = null;
    p?.reject(new Error(reason));
    for (const w of this.workers.values()) w.onExit(reason);
  }
}

/** A worker on an agent: the same request/response by id as a local one, over the agent's socket. */
export class RemoteWorker implements PoolWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private exitReason: string | null = null;
  private markExited: () => void = () => undefined;
  readonly exited: Promise<void>;

  constructor(
    private readonly agent: AgentConnection,
    readonly index: number,
    /** Its pid on the agent's host. */
    readonly pid: number,
  ) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  request<T extends Reply['type']>(req: Request, expect: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.exitReason !== null) return reject(new Error(this.exitReason));
      const id = this.nextId++;
      this.waiting.set(id, {
        resolve: (r) => (r.type === expect ? resolve(r as Extract<Reply, { type: T }>) : reject(new Error(`client worker answered ${r.type}, expected ${expect}`))),
        reject,
      });
      if (!this.agent.send({ type: 'to-worker', worker: this.index, msg: { id, body: req } })) {
        this.waiting.delete(id);
        reject(new Error(this.agent.disconnected ?? `agent ${this.agent.address} disconnected`));
      }
    });
  }

  kill(): void {
    this.agent.send({ type: 'kill', worker: this.index });
  }

  onReply(msg: Envelope<Reply>): void {
    const w = this.waiting.get(msg.id);
    if (!w) return;
    this.waiting.delete(msg.id);
    if (msg.body.type === 'error') w.reject(new Error(`client worker: ${msg.body.message}`));
    else w.resolve(msg.body);
  }

  onExit(reason: string): void {
    if (this.exitReason !== null) return;
    this.exitReason = reason;
    for (const w of this.waiting.values()) w.reject(new Error(reason));
    this.waiting.clear();
    this.markExited();
  }
}
