// node-ws: ws on bare node:http, events pre-framed once and written to every socket.
import { createServer } from 'node:http';
import { readCoreConfig } from './config.ts';
import { PushCore } from './core.ts';
import { handleControl } from './control-http.ts';
import { wsFramer } from './framers.ts';
import { listen } from './serve.ts';
import { attachWs } from './transport-ws.ts';

const config = readCoreConfig('ws');
const core = new PushCore(config, wsFramer, { messages: true });
const server = createServer((req, res) => {
  if (handleControl(core, req, res)) return;
  res.writeHead(404).end();
});
attachWs(server, core);
listen(server, core, config, 'node-ws');
