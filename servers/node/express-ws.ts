// express-ws: ws on the http server of an express 5 app.
import { createServer } from 'node:http';
import { readCoreConfig } from './config.ts';
import { PushCore } from './core.ts';
import { expressApp } from './express-app.ts';
import { wsFramer } from './framers.ts';
import { listen } from './serve.ts';
import { attachWs } from './transport-ws.ts';

const config = readCoreConfig('ws');
const core = new PushCore(config, wsFramer, { messages: true });
const server = createServer(expressApp(core));
attachWs(server, core);
listen(server, core, config, 'express-ws');
