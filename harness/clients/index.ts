// One client per protocol behind one interface.
import type { Protocol } from '../../servers/contract.ts';
import { openH2SseStream } from './h2-sse-client.ts';
import { openSseStream } from './sse-client.ts';
import { openTcpStream } from './tcp-client.ts';
import type { OpenStream } from './types.ts';
import { openWsStream } from './ws-client.ts';

const CLIENTS: Record<Protocol, OpenStream> = { sse: openSseStream, ws: openWsStream, tcp: openTcpStream, 'sse-h2': openH2SseStream };

export function openStreamFor(protocol: Protocol): OpenStream {
  return CLIENTS[protocol];
}
