// node-ws-cluster: node-ws (ws on bare node:http, events pre-framed once) in PUSHBENCH_WORKERS
// node:cluster workers; see servers/node/cluster.ts.
import { runCluster } from './cluster.ts';
import { wsFramer } from './framers.ts';
import { attachWs } from './transport-ws.ts';

runCluster({
  name: 'node-ws-cluster',
  protocol: 'ws',
  framer: wsFramer,
  handleStream: () => false,
  attach: attachWs,
});
