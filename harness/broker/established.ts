// Subscribers of a broker without a status endpoint (Pushpin): the established TCP connections
// whose local end is its listening port, from /proc/net/tcp. Clients and broker share this host's
// loopback, so each connection appears twice there (both ends); only the broker's end has the
// listening port as its local port.
import { readFileSync } from 'node:fs';

const ESTABLISHED = '01';

/** Counts established IPv4 connections with local port `port` in /proc/net/tcp's text. */
export function countEstablished(procNetTcp: string, port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const line of procNetTcp.split('\n')) {
    // "  sl  local_address rem_address   st ..." then "   0: 0100007F:1F90 0100007F:C1A2 01 ..."
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== ESTABLISHED) continue;
    if (f[1]?.endsWith(`:${hexPort}`)) n++;
  }
  return n;
}

export function establishedOnPort(port: number): number {
  return countEstablished(readFileSync('/proc/net/tcp', 'utf8'), port);
}
