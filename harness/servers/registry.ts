// The server registry: every built-in server with its protocol, pair and launch recipe, plus the
// user's own servers from a config file. A plain list: no self-registration.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';
import { DEFAULTS, type Protocol } from '../../servers/contract.ts';
import { clusterWorkers } from '../../servers/node/cluster-protocol.ts';
import { CONTRACT_STOP_GRACE_MS, type ServerSpec } from './spec.ts';
import { pythonServers } from './python.ts';
import { brokerServers } from './brokers.ts';
import { buildServerBundle, bundledServer } from './bundle.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function nodeServer(name: string, protocol: Protocol, pair: string | null, description: string): ServerSpec {
  return {
    name,
    protocol,
    language: 'node',
    pair,
    description,
    reportsHeap: true,
    processes: 1,
    launch: {
      command: process.execPath,
      // --expose-gc: /healthz?gc=1 collects before reporting heapUsed (idle scenario). Plain JS from
      // an esbuild bundle of servers/node/<name>.ts, not tsx (harness/servers/bundle.ts says why).
      args: ['--expose-gc', bundledServer(name)],
      env: {},
      cwd: REPO_ROOT,
      stopGraceMs: CONTRACT_STOP_GRACE_MS,
      prepare: buildServerBundle,
    },
    requires: [],
  };
}

export const NODE_SERVERS: readonly ServerSpec[] = [
  nodeServer('node-sse', 'sse', 'node', 'SSE on bare node:http, events written straight to the socket'),
  nodeServer('node-ws', 'ws', 'node', 'ws on bare node:http, each event framed once'),
  nodeServer('express-sse', 'sse', 'express', 'SSE through express 5 routes and res.write'),
  nodeServer('express-ws', 'ws', 'express', 'ws on the http server of an express 5 app'),
  nodeServer('tcp-floor', 'tcp', null, 'raw node:net, newline-delimited JSON: the floor'),
  // Same pair as node-sse/node-ws (one stack): the verdict pairs protocol 'sse' with 'ws' only, so
  // this third member shows beside them in charts without displacing node-sse in the verdict.
  // Last in the list so the built-in names keep their order in messages.
  nodeServer('node-sse-h2', 'sse-h2', 'node', 'SSE over HTTP/2 (h2c) on node:http2'),
  // node-sse / node-ws in node:cluster workers (servers/node/cluster.ts): one host past the
  // per-process open-file cap. A pair of their own: one process vs several is a different stack.
  ...clusterServers(),
  // The framework pairs beside express (servers/node/fastify-*.ts, hono-*.ts); appended, so the
  // names above keep their order in messages.
  nodeServer('fastify-sse', 'sse', 'fastify', 'SSE through a fastify 5 route and reply.raw.write (hijacked reply)'),
  nodeServer('fastify-ws', 'ws', 'fastify', '@fastify/websocket route on a fastify 5 app, each event framed once'),
  nodeServer('hono-sse', 'sse', 'hono', "hono's streamSSE on @hono/node-server (a web stream per client)"),
  nodeServer('hono-ws', 'ws', 'hono', "@hono/node-ws's upgradeWebSocket on @hono/node-server, each event framed once"),
];

/** The clustered pair, with the worker count the servers will read from PUSHBENCH_WORKERS. */
function clusterServers(): ServerSpec[] {
  let workers: number;
  try {
    workers = clusterWorkers();
  } catch {
    // A bad PUSHBENCH_WORKERS must not break every command that lists servers: the server itself
    // refuses it at start, with the reason, and the step fails with it.
    workers = DEFAULTS.clusterWorkers;
  }
  const n = `${workers} node:cluster worker${workers === 1 ? '' : 's'} (PUSHBENCH_WORKERS)`;
  return [
    { ...nodeServer('node-sse-cluster', 'sse', 'node-cluster', `node-sse in ${n}, the primary passing connections round-robin`), processes: workers },
    { ...nodeServer('node-ws-cluster', 'ws', 'node-cluster', `node-ws in ${n}, the primary passing connections round-robin`), processes: workers },
  ];
}

export const PYTHON_SERVERS: readonly ServerSpec[] = pythonServers(REPO_ROOT);

/** nginx + nchan and Pushpin, driven through their publish APIs (servers/broker/). */
export const BROKER_SERVERS: readonly ServerSpec[] = brokerServers(REPO_ROOT);

let extraServers: ServerSpec[] = [];

/** Built-in servers (Node, Python, brokers) and user-defined ones. */
export function listServers(): ServerSpec[] {
  return [...NODE_SERVERS, ...PYTHON_SERVERS, ...BROKER_SERVERS, ...extraServers];
}

/** Adds servers from a user's config file; their names must not clash with built-in ones. */
export function registerUserServers(servers: ServerSpec[]): void {
  const known = new Set(listServers().map((s) => s.name));
  for (const s of servers) {
    if (known.has(s.name)) throw new UserError(`server name "${s.name}" in the config is already taken by a built-in server: rename it`);
    known.add(s.name);
  }
  extraServers = [...extraServers, ...servers];
}

export function getServer(name: string): ServerSpec {
  const found = listServers().find((s) => s.name === name);
  if (!found) {
    const names = listServers()
      .map((s) => s.name)
      .join(', ');
    throw new UserError(`unknown server "${name}"; known servers: ${names}`);
  }
  return found;
}
