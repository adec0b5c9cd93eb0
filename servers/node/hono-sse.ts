// hono-sse: hono's `streamSSE` on @hono/node-server. Each client's stream is a web TransformStream
// whose readable @hono/node-server pumps into a chunked `res.write`: a queue and a few promise
// hops per event per client that the bare server does not have. Events are framed once
// (framers.ts) and written with `stream.write(bytes)`; `writeSSE({id, event, data})` would also
// format each event again for every client.
import { streamSSE } from 'hono/streaming';
import { PATHS } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { PushCore, type Subscriber } from './core.ts';
import { sseFramer } from './framers.ts';
import { honoApp, honoServer } from './hono-app.ts';
import { listen } from './serve.ts';
import { lastEventIdOf, placeOfRequest, SSE_HEADERS } from './transport-sse.ts';

const config = readCoreConfig('sse');
const core = new PushCore(config, sseFramer, { messages: true });
const app = honoApp();

app.get(PATHS.sse, (c) => {
  // streamSSE sets content-type and cache-control itself (the same values) and keeps these.
  for (const [name, value] of Object.entries(SSE_HEADERS)) c.header(name, value);
  const lastEventId = lastEventIdOf(c.env.incoming);
  c.env.incoming.socket.setNoDelay(true);
  // The callback's promise is the stream's life: streamSSE closes the stream once it settles.
  return streamSSE(
    c,
    (stream) =>
      new Promise<void>((resolve) => {
        const sub: Subscriber = {
          // Not awaited: like res.write, a write queues and the stream delivers in order.
          write: (bytes) => void stream.write(bytes),
          // One chunk through the stream, so a replay or a coalesced tick is one write on the socket.
          writeMany: (chunks) => void stream.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
          ping: () => undefined,
          close: resolve,
        };
        stream.onAbort(() => {
          core.unsubscribe(sub);
          resolve();
        });
        core.subscribe(sub, lastEventId, placeOfRequest(c.env.incoming));
      }),
  );
});
listen(honoServer(core, app), core, config, 'hono-sse');
