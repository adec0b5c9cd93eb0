// fastify-ws: a `@fastify/websocket` route on a fastify 5 app. The upgrade runs through fastify's
// router and hooks (a request, a reply and a stand-in ServerResponse per connection); events are
// pre-framed once (framers.ts) and written to the upgraded socket, as node-ws and express-ws do:
// the contract's broadcast rule, so the pair differs from node-ws only by what fastify adds.
import websocket from '@fastify/websocket';
import { PATHS, parseLastEventId } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { placeOf, PushCore } from './core.ts';
import { fastifyApp } from './fastify-app.ts';
import { wsFramer } from './framers.ts';
import { listen } from './serve.ts';
import { relayFrame } from './messages-http.ts';
import { socketSubscriber } from './transport-sse.ts';

const config = readCoreConfig('ws');
const core = new PushCore(config, wsFramer, { messages: true });
const app = fastifyApp(core);
// The same ws options as attachWs (transport-ws.ts), so the ws layer itself is configured alike.
await app.register(websocket, { options: { perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 } });
// fastify's query parser gives an array for a repeated key; the first one counts, as with URL.
app.get<{ Querystring: { lastEventId?: string | string[] } }>(PATHS.ws, { websocket: true }, (ws, req) => {
  // The raw request's socket is the one ws now owns; whole frames between ws's own writes are safe.
  const tcp = req.raw.socket;
  const sub = socketSubscriber(
    tcp,
    () => ws.ping(),
    // 1012 "service restart": the client should come back and resume.
    () => ws.close(1012, 'drop'),
  );
  tcp.setNoDelay(true);
  ws.on('close', () => core.unsubscribe(sub));
  ws.on('message', (data: Buffer, isBinary: boolean) => relayFrame(core, sub, data, isBinary));
  const lastEventId = req.query.lastEventId;
  core.subscribe(sub, parseLastEventId(Array.isArray(lastEventId) ? lastEventId[0] : lastEventId), placeOf(new URL(req.raw.url ?? '/', 'http://x')));
});
await app.ready();
listen(app.server, core, config, 'fastify-ws');
