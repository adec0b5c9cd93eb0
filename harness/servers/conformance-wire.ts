// The conformance checks' own readers of the wire: minimal and hand-written, independent of the
// engine's clients (harness/clients), so a bug in one cannot hide a bug in the other.
import { request } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import WebSocket from 'ws';
import type { RunningServer } from '../lifecycle/server-process.ts';
import { MESSAGE_EVENTS, PATHS, STREAM_QUERY, TCP_STREAM_PREFIX, type EventEnvelope, type Protocol } from '../../servers/contract.ts';

/** A relayed message as a stream received it (messages addition): its event name, id if any, data. */
export interface WireMessage {
  event: string;
  /** The id the message came with: null when none (the addition sends none). */
  id: number | null;
  data: Record<string, unknown>;
}

/** Where a stream subscribes under the messages addition (`?client=&room=`). */
export interface WirePlace {
  client?: string;
  room?: string;
}

const MESSAGE_EVENT_NAMES: readonly string[] = Object.values(MESSAGE_EVENTS);

export interface Wire {
  /** Text the server sent before the first event (SSE preamble / WS or TCP hello). */
  preamble: string[];
  events: EventEnvelope[];
  /** Relayed messages (events named msg / echo), kept apart from the broadcast's events. */
  messages: WireMessage[];
  /** WS binary messages as received (the binary addition). */
  binary: Buffer[];
  heartbeats: number;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  closed: boolean;
  /** What could not be read (bad JSON, a stream error): a user's server must not crash the checker. */
  errors: string[];
  close(): void;
  /** WS: sends one text frame on the stream's socket (the messages addition); other wires throw. */
  send(text: string): void;
}

/** The stream URL's query: `lastEventId` (when sent by query) and the place. */
function queryOf(lastEventId: number | null, viaQuery: boolean, place: WirePlace): string {
  const q = new URLSearchParams();
  if (lastEventId !== null && viaQuery) q.set('lastEventId', String(lastEventId));
  if (place.client !== undefined) q.set(STREAM_QUERY.client, place.client);
  if (place.room !== undefined) q.set(STREAM_QUERY.room, place.room);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

/** Files an event: a relayed message apart from the broadcast's events. */
function file(wire: Wire, msg: Record<string, unknown>): void {
  if (typeof msg.event === 'string' && MESSAGE_EVENT_NAMES.includes(msg.event)) {
    wire.messages.push({ event: msg.event, id: typeof msg.id === 'number' ? msg.id : null, data: (msg.data ?? {}) as Record<string, unknown> });
  } else wire.events.push(msg as unknown as EventEnvelope);
}

/** Opens one stream with the protocol's raw wire and collects what arrives. */
export function openWire(protocol: Protocol, server: RunningServer, lastEventId: number | null, via: 'header' | 'query' = 'header', place: WirePlace = {}): Promise<Wire> {
  const wire: Wire = {
    preamble: [],
    events: [],
    messages: [],
    binary: [],
    heartbeats: 0,
    status: 0,
    headers: {},
    closed: false,
    errors: [],
    close: () => undefined,
    send: () => {
      throw new Error(`a ${protocol} stream cannot send: its client POSTs ${PATHS.messages}`);
    },
  };
  return new Promise((resolve, reject) => {
    if (protocol === 'sse') {
      const query = queryOf(lastEventId, via === 'query', place);
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== null && via === 'header') headers['last-event-id'] = String(lastEventId);
      const req = request({ host: server.host, port: server.port, path: `${PATHS.sse}${query}`, headers, agent: false }, (res) => {
        wire.status = res.statusCode ?? 0;
        wire.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', sseBlocks(wire));
        res.on('close', () => (wire.closed = true));
        res.on('error', (err) => wire.errors.push(err.message));
        resolve(wire);
      });
      req.on('error', reject);
      wire.close = () => req.destroy();
      req.end();
    } else if (protocol === 'sse-h2') {
      // One session per wire, closed with it: the wire stays independent of the engine's pool.
      const query = queryOf(lastEventId, via === 'query', place);
      const session = http2Connect(`http://${server.host}:${server.port}`);
      session.on('error', reject);
      const headers: Record<string, string> = { ':path': `${PATHS.sse}${query}`, accept: 'text/event-stream' };
      if (lastEventId !== null && via === 'header') headers['last-event-id'] = String(lastEventId);
      const req = session.request(headers, { endStream: true });
      req.on('response', (h) => {
        wire.status = Number(h[':status']);
        wire.headers = h;
        resolve(wire);
      });
      req.setEncoding('utf8');
      req.on('data', sseBlocks(wire));
      req.on('close', () => {
        wire.closed = true;
        session.close();
      });
      req.on('error', reject);
      wire.close = () => session.destroy();
    } else if (protocol === 'ws') {
      const query = queryOf(lastEventId, true, place);
      const ws = new WebSocket(`ws://${server.host}:${server.port}${PATHS.ws}${query}`, { perMessageDeflate: false });
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          wire.binary.push(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
          return;
        }
        const msg = parseJson(wire, String(data));
        if (msg === undefined) return;
        if ('hello' in msg) wire.preamble.push(String(data));
        else file(wire, msg);
      });
      wire.send = (text) => ws.send(text);
      ws.on('ping', () => wire.heartbeats++);
      ws.on('close', () => (wire.closed = true));
      ws.on('open', () => {
        wire.status = 101;
        resolve(wire);
      });
      ws.on('error', reject);
      wire.close = () => ws.terminate();
    } else {
      const socket = connect({ host: server.host, port: server.port }, () => {
        socket.write(`${TCP_STREAM_PREFIX}${lastEventId ?? 0}\n`);
        resolve(wire);
      });
      let buf = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buf += chunk;
        let idx: number;
        while ((idx = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, idx);
          buf = buf.slice(idx + 1);
          if (line === '') wire.heartbeats++;
          else if (line.includes('"hello"')) wire.preamble.push(line);
          else {
            const msg = parseJson(wire, line);
            if (msg !== undefined) file(wire, msg);
          }
        }
      });
      socket.on('close', () => (wire.closed = true));
      socket.on('error', reject);
      wire.close = () => socket.destroy();
    }
  });
}

/** Splits a text/event-stream body into blocks: events, the preamble before them, heartbeats. */
function sseBlocks(wire: Wire): (chunk: string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields.set(name, value);
      }
      if (fields.has('data')) {
        const data = parseJson(wire, fields.get('data')!);
        const event = fields.get('event') ?? 'message';
        if (data !== undefined && MESSAGE_EVENT_NAMES.includes(event)) {
          wire.messages.push({ event, id: fields.has('id') ? Number(fields.get('id')) : null, data });
        } else if (data !== undefined) wire.events.push({ id: Number(fields.get('id')), event, data: data as unknown as EventEnvelope['data'] });
      } else if (wire.events.length === 0 && wire.preamble.length === 0) {
        wire.preamble.push(block);
      } else {
        wire.heartbeats++;
      }
    }
  };
}

/** A JSON object from the wire, or undefined (and the reason kept) when it is not one. */
function parseJson(wire: Wire, text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  wire.errors.push(`not a JSON object: ${JSON.stringify(text.slice(0, 80))}`);
  return undefined;
}

/** SSE over HTTP/1.1 or HTTP/2: the same body, headers and resume rules. */
export const isSse = (p: Protocol): boolean => p === 'sse' || p === 'sse-h2';

export async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

