// The fastify 5 app both fastify servers share. The contract endpoints go through the same handler
// as the bare servers, in front of fastify's router (serverFactory, fastify's documented hook for
// owning the http server): they are not what is measured, and fastify's body parser would
// otherwise consume the control bodies handleControl reads itself.
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { handleControl } from './control-http.ts';
import type { PushCore } from './core.ts';

export function fastifyApp(core: PushCore): FastifyInstance {
  return Fastify({
    logger: false,
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (!handleControl(core, req, res)) handler(req, res);
      }),
  });
}
