// The shared Node server core: ring, schedule, broadcast, drop, reset, heartbeat, health.
// Every Node server uses it unchanged, so a matched pair differs only in its transport.
import { randomBytes } from 'node:crypto';
import { ADDITIONS, MESSAGE_EVENTS, parseName, STREAM_QUERY, type BroadcastRequest, type HealthBody, type MessageRequest, type Protocol } from '../contract.ts';
import type { CoreConfig } from './config.ts';
import { eventDataJson, messageDataJson } from './payload.ts';
import { Ring } from './ring.ts';
import { FixedRateSchedule, type DueEvent } from './schedule.ts';
import { faultySubscriber, hasPerClientFaults } from './faults.ts';

/** How a transport frames an event: called once per event, the bytes go to every client. */
export interface Framer {
  /** The whole on-the-wire bytes of one event (SSE block, WS frame, TCP line). */
  frame(seq: number, event: string, dataJson: string): Buffer;
  /** The binary addition: one event whose payload is `bytes` (random), framed once. */
  frameBinary(seq: number, event: string, t0: bigint, t1: bigint, bytes: Buffer): Buffer;
  /** The messages addition: a relayed message (no id: outside the event sequence), framed once. */
  message(event: string, dataJson: string): Buffer;
  /** What a new stream gets first (SSE retry + comment, WS/TCP hello); null: no retry hint. */
  hello(retryMs: number | null): Buffer;
  /** Heartbeat bytes, or null when the transport has its own (WS ping). */
  heartbeat: Buffer | null;
}

/** One connected client as the core sees it. */
export interface Subscriber {
  /** One write of prebuilt bytes. */
  write(bytes: Buffer): void;
  /** Several events in ONE write (coalesce mode and replay). */
  writeMany(chunks: Buffer[]): void;
  /** Heartbeat when the framer has no heartbeat bytes (WS ping). */
  ping(): void;
  /** Ends the stream politely (SSE end of response, WS close frame, TCP FIN). */
  close(): void;
}

/** Where a stream stands under the messages addition: its client id (SSE) and its room. */
export interface StreamPlace {
  client: string | null;
  room: string | null;
}

export const NOWHERE: StreamPlace = { client: null, room: null };

/** The place a stream's URL names (`?client=<id>&room=<name>`); a malformed name counts as none. */
export function placeOf(url: URL): StreamPlace {
  const client = parseName(url.searchParams.get(STREAM_QUERY.client));
  const room = parseName(url.searchParams.get(STREAM_QUERY.room));
  return client === null && room === null ? NOWHERE : { client, room };
}

interface Room {
  members: Set<Subscriber>;
  /** The seq the room's next message gets (1 after a reset). */
  nextSeq: number;
}

interface Membership {
  room: Room | null;
  client: string | null;
}

/** What a relay did: delivered, or why not (the POST answers 404 for both). */
export type RelayOutcome = 'relayed' | 'no-client' | 'no-room';

export interface CoreOptions {
  /**
   * The messages addition: this server's transports pass each stream's place to subscribe() and
   * hand incoming messages to relay(); /healthz advertises it. Off for servers that cannot (the
   * clustered ones relay nothing across workers; tcp-floor takes no upstream).
   */
  messages?: boolean;
}

export class PushCore {
  private readonly ring: Ring;
  private readonly subscribers = new Set<Subscriber>();
  /** Per-client calibration faults; null (the normal case) keeps the hot path untouched. */
  private readonly faulty: Map<Subscriber, ReturnType<typeof faultySubscriber>> | null;
  private subscribedCount = 0;
  private schedule: FixedRateSchedule | null = null;
  private nextSeq: number;
  private sent = 0;
  private readonly heartbeatTimer: NodeJS.Timeout;
  /** Messages addition: rooms by name, streams by client id, and each placed stream's place. */
  private readonly rooms = new Map<string, Room>();
  private readonly clients = new Map<string, Subscriber>();
  private readonly places = new Map<Subscriber, Membership>();
  private messagesIn = 0;
  readonly messages: boolean;

  constructor(
    readonly config: CoreConfig,
    private readonly framer: Framer,
    options: CoreOptions = {},
  ) {
    this.messages = options.messages === true;
    this.ring = new Ring(config.ring);
    this.nextSeq = config.seqStart;
    this.faulty = hasPerClientFaults(config.faults) ? new Map() : null;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), config.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  get protocol(): Protocol {
    return this.config.protocol;
  }

  /**
   * Registers a client: hello, then the replay after lastEventId, then live events. `place`
   * (messages addition) puts it in a room and names it for POSTed messages.
   */
  subscribe(sub: Subscriber, lastEventId: number | null, place: StreamPlace = NOWHERE): void {
    const first = [this.framer.hello(this.config.retryField ? this.config.retryMs : null)];
    // 0 means "nothing seen yet": a new client gets live events only, never the whole ring.
    // The noresume calibration fault serves live events only, as a server without a ring would.
    if (lastEventId !== null && lastEventId > 0 && this.config.faults.noResume === 0) first.push(...this.ring.after(lastEventId));
    sub.writeMany(first);
    this.subscribers.add(sub);
    if (this.faulty) this.faulty.set(sub, faultySubscriber(sub, this.config.faults, this.subscribedCount));
    this.subscribedCount++;
    if (this.messages && place !== NOWHERE) this.place(sub, place);
  }

  unsubscribe(sub: Subscriber): void {
    this.subscribers.delete(sub);
    this.faulty?.delete(sub);
    const m = this.places.get(sub);
    if (m === undefined) return;
    this.places.delete(sub);
    m.room?.members.delete(sub);
    // A newer stream of the same client keeps its name.
    if (m.client !== null && this.clients.get(m.client) === sub) this.clients.delete(m.client);
  }

  private place(sub: Subscriber, place: StreamPlace): void {
    let room: Room | null = null;
    if (place.room !== null) {
      room = this.rooms.get(place.room) ?? null;
      if (room === null) {
        room = { members: new Set(), nextSeq: 1 };
        this.rooms.set(place.room, room);
      }
      room.members.add(sub);
    }
    // A second stream under the same client id takes the name over.
    if (place.client !== null) this.clients.set(place.client, sub);
    this.places.set(sub, { room, client: place.client });
  }

  /**
   * The messages addition: one message from `sender` (the stream its WS frame came on, or the one
   * its POST named). Room: the room's next seq, serialized once, the same bytes to every stream of
   * the room (the sender too). Sender: back to the sender only, with the sender's own seq.
   */
  relay(sender: Subscriber, msg: MessageRequest): RelayOutcome {
    const t1 = process.hrtime.bigint();
    if (msg.to === 'sender') {
      this.messagesIn++;
      sender.write(this.framer.message(MESSAGE_EVENTS.sender, messageDataJson(msg.seq, msg.t0, t1, msg.pad)));
      return 'relayed';
    }
    const room = this.places.get(sender)?.room ?? null;
    if (room === null) return 'no-room';
    this.messagesIn++;
    const bytes = this.framer.message(MESSAGE_EVENTS.room, messageDataJson(room.nextSeq++, msg.t0, t1, msg.pad));
    for (const member of room.members) member.write(bytes);
    return 'relayed';
  }

  /** A message POSTed for client `client` (SSE): relayed as if its stream had sent it. */
  relayFor(client: string, msg: MessageRequest): RelayOutcome {
    const sender = this.clients.get(client);
    return sender === undefined ? 'no-client' : this.relay(sender, msg);
  }

  /** Starts the server's own fixed-rate schedule; a new broadcast replaces a running one. */
  broadcast(req: BroadcastRequest): void {
    this.schedule?.stop();
    const lateByNs = BigInt(Math.round(this.config.faults.delayMs * 1e6));
    const schedule = new FixedRateSchedule(req.rate, req.count, (due) => this.emit(due, req), process.hrtime.bigint, lateByNs);
    this.schedule = schedule;
    schedule.start();
  }

  /**
   * Clustered servers (servers/node/cluster.ts), step 1 of a broadcast: stops the running schedule
   * where it is (it can still catch up in broadcastAt) and returns the seq this process emits next.
   */
  pauseBroadcast(): number {
    this.schedule?.stop();
    return this.nextSeq;
  }

  /**
   * Clustered servers, step 2: the broadcast every worker runs identically. The primary chose
   * `startNs` (CLOCK_MONOTONIC, the same clock in every process) and `firstSeq` (the highest
   * next seq any worker reported in step 1). A worker that paused behind that first emits the
   * paused schedule's remaining events up to it, so every ring holds the same seqs with the same t0.
   */
  broadcastAt(req: BroadcastRequest, startNs: bigint, firstSeq: number): void {
    const behind = firstSeq - this.nextSeq;
    if (behind > 0 && this.schedule) this.schedule.emitNext(behind);
    this.schedule?.stop();
    if (this.nextSeq !== firstSeq) {
      // Only a bug can get here (every worker runs the same commands in the same order); going on
      // would serve a different seq space from this worker than from its siblings.
      throw new Error(`cluster: this worker is at seq ${this.nextSeq}, the broadcast starts at ${firstSeq}`);
    }
    const lateByNs = BigInt(Math.round(this.config.faults.delayMs * 1e6));
    const schedule = new FixedRateSchedule(req.rate, req.count, (due) => this.emit(due, req), process.hrtime.bigint, lateByNs, startNs);
    this.schedule = schedule;
    schedule.start();
  }

  /** Closes every client (or about `fraction` of them, every k-th); the ring is kept. */
  drop(fraction = 1): number {
    const all = [...this.subscribers];
    const chosen = fraction >= 1 ? all : pickFraction(all, fraction);
    for (const sub of chosen) {
      this.unsubscribe(sub);
      sub.close();
    }
    return chosen.length;
  }

  reset(): void {
    this.schedule?.stop();
    this.schedule = null;
    this.ring.clear();
    this.sent = 0;
    this.nextSeq = this.config.seqStart;
    this.messagesIn = 0;
    for (const room of this.rooms.values()) room.nextSeq = 1;
  }

  health(heapUsed: number | undefined): HealthBody {
    const body: HealthBody = {
      ok: true,
      protocol: this.config.protocol,
      connections: this.subscribers.size,
      sent: this.sent,
      lastSeq: this.nextSeq - 1,
    };
    if (heapUsed !== undefined) body.heapUsed = heapUsed;
    // Every framer frames binary events; only servers whose transports relay advertise messages.
    body.additions = this.messages ? { ...ADDITIONS } : { binary: ADDITIONS.binary };
    if (this.messages) body.messagesIn = this.messagesIn;
    return body;
  }

  get connections(): number {
    return this.subscribers.size;
  }

  close(): void {
    this.schedule?.stop();
    clearInterval(this.heartbeatTimer);
  }

  private emit(due: DueEvent[], req: BroadcastRequest): void {
    const frames: Buffer[] = [];
    for (const d of due) {
      const seq = this.nextSeq++;
      // t1: when this server starts sending the event (serialization is part of sending).
      const t1 = process.hrtime.bigint();
      const bytes =
        req.payload === 'binary' ? this.framer.frameBinary(seq, req.event, d.t0, t1, randomBytes(req.bytes)) : this.framer.frame(seq, req.event, eventDataJson(seq, d.t0, t1, req.bytes));
      this.ring.push(seq, bytes);
      this.sent++;
      if (this.faulty) for (const f of this.faulty.values()) f.writeEvent(seq, bytes);
      else if (this.config.coalesce) frames.push(bytes);
      else for (const sub of this.subscribers) sub.write(bytes);
    }
    if (this.config.coalesce && frames.length > 0) {
      for (const sub of this.subscribers) {
        if (frames.length === 1) sub.write(frames[0]!);
        else sub.writeMany(frames);
      }
    }
  }

  private heartbeat(): void {
    const bytes = this.framer.heartbeat;
    for (const sub of this.subscribers) {
      if (bytes) sub.write(bytes);
      else sub.ping();
    }
  }
}

/** Every k-th subscriber so that about `fraction` of them are chosen (at least one when any). */
function pickFraction<T>(items: T[], fraction: number): T[] {
  if (items.length === 0 || fraction <= 0) return [];
  const want = Math.max(1, Math.round(items.length * fraction));
  const step = items.length / want;
  const out: T[] = [];
  for (let i = 0; i < want; i++) {
    const item = items[Math.floor(i * step)];
    if (item !== undefined) out.push(item);
  }
  return out;
}
