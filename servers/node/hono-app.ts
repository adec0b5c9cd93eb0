// The hono app both hono servers share, served by @hono/node-server's request listener on a
// node:http server of ours (what its `serve()` does, plus the contract's backlog via serve.ts).
// The contract endpoints go through the same handler as the bare servers, in front of hono.
import { createServer, type Server } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { handleControl } from './control-http.ts';
import type { PushCore } from './core.ts';

export type HonoEnv = { Bindings: HttpBindings };

export function honoApp(): Hono<HonoEnv> {
  return new Hono<HonoEnv>();
}

export function honoServer(core: PushCore, app: Hono<HonoEnv>): Server {
  const listener = getRequestListener(app.fetch);
  return createServer((req, res) => {
    if (!handleControl(core, req, res)) void listener(req, res);
  });
}
