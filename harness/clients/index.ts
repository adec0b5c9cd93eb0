// One client per protocol behind one interface.
import type { Protocol } from '../../servers/contract.ts';
import { openSseStream } from './sse-client.ts';
import { openTcpStream } from './tcp-client.ts';
import type { OpenStream } from './types.ts';
import { openWsStream } from './ws-client.ts';

const CLIENTS: Record<Protocol, OpenStream> = { sse: openSseStream, ws: openWsStream, tcp: openTcpStream };

export function openStreamFor(protocol: Protocol): OpenStream {
  return CLIENTS[protocol];
}
