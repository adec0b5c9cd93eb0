// fastify-sse: SSE through a fastify 5 route writing to the reply's raw stream, as fastify users
// do without a plugin: the reply is hijacked (fastify steps aside) and each event goes out with
// `reply.raw.write`, Node's chunked encoding and per-tick corking, as in express-sse.
// Not @fastify/sse: its 0.x releases need Node >= 20.20.2, above the project's 20.19 floor.
import { PATHS } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { PushCore } from './core.ts';
import { fastifyApp } from './fastify-app.ts';
import { sseFramer } from './framers.ts';
import { listen } from './serve.ts';
import { serveResponseSse } from './transport-sse.ts';

const config = readCoreConfig('sse');
const core = new PushCore(config, sseFramer, { messages: true });
const app = fastifyApp(core);
app.get(PATHS.sse, (req, reply) => {
  reply.hijack();
  serveResponseSse(core, req.raw, reply.raw);
});
await app.ready();
listen(app.server, core, config, 'fastify-sse');
