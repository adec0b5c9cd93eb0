// hono-ws: a hono route with @hono/node-ws's `upgradeWebSocket` on @hono/node-server. Each upgrade
// first goes through `app.request` (a web Request built from the headers, hono's router and
// middleware), then ws completes it. Events are pre-framed once (framers.ts) and written to the
// upgraded socket, as node-ws does: the contract's broadcast rule. @hono/node-ws builds its ws
// server with ws's defaults (it takes no options): clientTracking on, maxPayload 100 MiB.
import { createNodeWebSocket } from '@hono/node-ws';
import { PATHS, parseLastEventId } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { placeOf, PushCore, type Subscriber } from './core.ts';
import { wsFramer } from './framers.ts';
import { honoApp, honoServer } from './hono-app.ts';
import { listen } from './serve.ts';
import { relayText } from './messages-http.ts';
import { socketSubscriber } from './transport-sse.ts';

const config = readCoreConfig('ws');
const core = new PushCore(config, wsFramer, { messages: true });
const app = honoApp();
const { upgradeWebSocket, injectWebSocket } = createNodeWebSocket({ app });

app.get(
  PATHS.ws,
  upgradeWebSocket((c) => {
    const lastEventId = parseLastEventId(c.req.query('lastEventId'));
    const place = placeOf(new URL(c.req.url));
    // The upgrade request's socket is the one ws now owns; whole frames between ws's own writes are safe.
    const tcp = c.env.incoming.socket;
    let sub: Subscriber | null = null;
    return {
      onOpen: (_event, ws) => {
        sub = socketSubscriber(
          tcp,
          () => ws.raw?.ping(),
          // 1012 "service restart": the client should come back and resume.
          () => ws.close(1012, 'drop'),
        );
        tcp.setNoDelay(true);
        core.subscribe(sub, lastEventId, place);
      },
      // @hono/node-ws decodes a text frame into a string; a binary one (an ArrayBuffer) is no message.
      onMessage: (event) => {
        if (sub !== null && typeof event.data === 'string') relayText(core, sub, event.data);
      },
      onClose: () => {
        if (sub) core.unsubscribe(sub);
      },
      onError: (_event, ws) => ws.raw?.terminate(),
    };
  }),
);
const server = honoServer(core, app);
injectWebSocket(server);
listen(server, core, config, 'hono-ws');
