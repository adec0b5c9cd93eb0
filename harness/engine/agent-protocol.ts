// The coordinator ⇄ load agent wire protocol (agent.ts, agent-client.ts): newline-delimited JSON
// over one TCP connection. Newline framing is enough because JSON.stringify never emits a raw
// newline, and it keeps the stream readable with `nc` when debugging. The worker protocol
// (protocol.ts) rides inside it unchanged, tagged with the worker's index on that agent.
import type { Socket } from 'node:net';
import { UserError } from '../errors.ts';
import type { Envelope, Reply, Request } from './protocol.ts';

/**
 * Bump on any change to these messages or to protocol.ts: an agent runs its own copy of the
 * worker, so a coordinator and agent of different versions would misread each other silently.
 */
export const AGENT_PROTOCOL_VERSION = 1;

export type ToAgent =
  | { type: 'hello'; version: number }
  | { type: 'ping'; id: number }
  /** Fork this many client workers (once per connection). */
  | { type: 'spawn'; workers: number }
  | { type: 'to-worker'; worker: number; msg: Envelope<Request> }
  | { type: 'kill'; worker: number };

export type FromAgent =
  /** The agent host's own limits: the coordinator plans that agent's share with them. */
  | { type: 'welcome'; version: number; hostname: string; fdCap: number; ephemeralPorts: number }
  | { type: 'refused'; message: string }
  /** The agent's process.hrtime.bigint() when it answered, as a decimal string (JSON has no bigint). */
  | { type: 'pong'; id: number; ns: string }
  | { type: 'spawned'; pids: number[] }
  | { type: 'from-worker'; worker: number; msg: Envelope<Reply> }
  | { type: 'worker-exit'; worker: number; description: string }
  | { type: 'error'; message: string };

/**
 * The agent's line cap: a peer that never sends a newline (not a pushbench process) must not grow
 * a buffer without bound. The biggest line a coordinator sends is a worker's init, well under 1 KB.
 */
export const AGENT_MAX_LINE_BYTES = 1024 * 1024;
/**
 * The coordinator's cap on what an agent sends: the biggest real line is a window or reconnect
 * report (a few compressed histograms and a 100 ms timeline), measured in the tens of KB.
 */
export const COORDINATOR_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Calls `onMessage` with each JSON line; a line that is not JSON or longer than `maxLineBytes`
 * calls `onBad` once and reads nothing more. Linear in the bytes received: each byte is scanned
 * for a newline once, and a partial line is kept as a list of chunks (joined once, when its newline
 * arrives), so the cap is enforced as bytes arrive.
 */
export function readLines(socket: Socket, onMessage: (msg: unknown) => void, onBad: (why: string) => void, maxLineBytes = AGENT_MAX_LINE_BYTES): void {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let stopped = false;
  const bad = (why: string): void => {
    stopped = true;
    partial = [];
    socket.removeListener('data', onData);
    socket.pause();
    onBad(why);
  };
  const onData = (chunk: Buffer): void => {
    let start = 0;
    while (!stopped) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (partialBytes + (end - start) > maxLineBytes) return bad(`a line longer than ${maxLineBytes} bytes`);
      if (nl < 0) {
        if (end > start) {
          partial.push(chunk.subarray(start));
          partialBytes += end - start;
        }
        return;
      }
      const piece = chunk.subarray(start, nl);
      const line = partial.length === 0 ? piece.toString('utf8') : Buffer.concat([...partial, piece]).toString('utf8');
      partial = [];
      partialBytes = 0;
      start = nl + 1;
      if (line.trim() === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        return bad(`not a pushbench agent message: ${JSON.stringify(line.slice(0, 60))}`);
      }
      onMessage(msg);
      if (socket.destroyed) return;
    }
  };
  socket.on('data', onData);
}

/** Writes one message; false when the socket is already gone (its close handler cleans up). */
export function writeLine(socket: Socket, msg: ToAgent | FromAgent): boolean {
  if (!socket.writable) return false;
  socket.write(`${JSON.stringify(msg)}\n`);
  return true;
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port`, or (with a default host) a bare `port`. */
export function parseHostPort(raw: string, what: string, defaultHost?: string): HostPort {
  const s = raw.trim();
  const bare = /^\d+$/.test(s) && defaultHost !== undefined;
  const m = bare ? null : /^(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d+)$/.exec(s);
  const host = bare ? defaultHost : (m?.[1] ?? m?.[2]);
  const port = Number(bare ? s : m?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`${what} "${raw}" is not host:port (e.g. 10.0.0.5:7070${defaultHost !== undefined ? ', or a port alone' : ''})`);
  }
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === 'localhost' || host === '::1';
}
