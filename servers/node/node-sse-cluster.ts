// node-sse-cluster: node-sse (SSE on bare node:http, events written straight to the socket) in
// PUSHBENCH_WORKERS node:cluster workers; see servers/node/cluster.ts.
import { PATHS } from '../contract.ts';
import { runCluster } from './cluster.ts';
import { sseFramer } from './framers.ts';
import { serveRawSse } from './transport-sse.ts';

runCluster({
  name: 'node-sse-cluster',
  protocol: 'sse',
  framer: sseFramer,
  handleStream: (core, req) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== PATHS.sse) return false;
    serveRawSse(core, req);
    return true;
  },
});
