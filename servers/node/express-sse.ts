// express-sse: SSE through express 5 routes and `res.write`, as framework users write it.
import { createServer } from 'node:http';
import { PATHS } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { PushCore } from './core.ts';
import { expressApp } from './express-app.ts';
import { sseFramer } from './framers.ts';
import { listen } from './serve.ts';
import { serveResponseSse } from './transport-sse.ts';

const config = readCoreConfig('sse');
const core = new PushCore(config, sseFramer, { messages: true });
const app = expressApp(core);
app.get(PATHS.sse, (req, res) => serveResponseSse(core, req, res));
listen(createServer(app), core, config, 'express-sse');
