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
 * A peer that never sends a newline (not a pushbench process) must not grow our buffer without
 * bound. The biggest real line is a window report: a few compressed histograms, well under 1 MB.
 */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** Calls `onMessage` with each JSON line; a line that is not JSON or too long ends the socket via `onBad`. */
export function readLines(socket: Socket, onMessage: (msg: unknown) => void, onBad: (why: string) => void): void {
  socket.setEncoding('utf8');
  let buffered = '';
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        onBad(`not a pushbench agent message: ${JSON.stringify(line.slice(0, 60))}`);
        return;
      }
      onMessage(msg);
      if (socket.destroyed) return;
    }
    if (buffered.length > MAX_LINE_CHARS) onBad(`a line longer than ${MAX_LINE_CHARS} characters`);
  });
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
