// Subscribers of a broker without a status endpoint (Pushpin): the established TCP connections
// whose local end is its listening port, from /proc/net/tcp. Clients and broker share this host's
// loopback, so each connection appears twice there (both ends); only the broker's end has the
// listening port as its local port. The local address counts too: another process's client bound
// to another loopback address (127.0.0.5, say) may use the same port number for its own end.
import { readFileSync } from 'node:fs';

const ESTABLISHED = '01';

/** /proc/net/tcp's spelling of an IPv4 address and port: 127.0.0.1:8080 is 0100007F:1F90. */
export function procAddress(host: string, port: number): string {
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) throw new Error(`not an IPv4 address: ${host}`);
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
  return `${octets.reverse().map((o) => hex(o, 2)).join('')}:${hex(port, 4)}`;
}

/**
 * Counts established IPv4 connections whose local end is host:port in /proc/net/tcp's text, each
 * once: the file is read in pieces while connections come and go (on a shared machine, thousands a
 * second), and the kernel then lists some twice (measured: 1,004 for 1,000 that `ss` saw once).
 */
export function countEstablished(procNetTcp: string, host: string, port: number): number {
  const local = procAddress(host, port);
  const peers = new Set<string>();
  for (const line of procNetTcp.split('\n')) {
    // "  sl  local_address rem_address   st ..." then "   0: 0100007F:1F90 0100007F:C1A2 01 ..."
    const f = line.trim().split(/\s+/);
    if (f[3] === ESTABLISHED && f[1] === local && f[2] !== undefined) peers.add(f[2]);
  }
  return peers.size;
}

export function establishedOn(host: string, port: number): number {
  return countEstablished(readFileSync('/proc/net/tcp', 'utf8'), host, port);
}
