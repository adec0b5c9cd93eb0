// A clustered server's worker: the same PushCore and transport as node-sse / node-ws, except that
// the contract endpoints go through the primary (they answer for the whole server) and the
// broadcast schedule is the one the primary chose (servers/node/cluster.ts).
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Protocol } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { readControlOp, sendJson, sendOpResult, type ControlOp, type OpResult } from './control-http.ts';
import { PushCore, type Framer } from './core.ts';
import { heapUsedFor } from './heap.ts';
import { listen } from './serve.ts';
import {
  ASK_TIMEOUT_MS,
  isMessage,
  type AnswerMessage,
  type AskMessage,
  type CommandMessage,
  type CommandResult,
  type DoneMessage,
  type WorkerCommand,
} from './cluster-protocol.ts';

/** What differs between the SSE and the WS clustered server: exactly what differs single-process. */
export interface ClusterServer {
  name: string;
  protocol: Protocol;
  framer: Framer;
  /** Serves a stream request (SSE `GET /events`); false when the request is not one. */
  handleStream(core: PushCore, req: IncomingMessage): boolean;
  /** Hooks a transport onto the HTTP server (WS upgrades). */
  attach?(server: HttpServer, core: PushCore): void;
}

/** This worker's requests to the primary, matched to answers by id. */
class PrimaryLink {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (body: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();

  ask<K extends ControlOp['op']>(op: Extract<ControlOp, { op: K }>): Promise<OpResult[K]> {
    return new Promise((resolve, reject) => {
      if (!process.send || !process.connected) return reject(new Error('the cluster primary is gone'));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the cluster primary did not answer ${op.op} within ${ASK_TIMEOUT_MS} ms`));
      }, ASK_TIMEOUT_MS);
      this.waiting.set(id, { resolve: (body) => resolve(body as OpResult[K]), reject, timer });
      process.send({ kind: 'ask', id, op } satisfies AskMessage);
    });
  }

  answered(msg: AnswerMessage): void {
    const w = this.waiting.get(msg.id);
    if (!w) return; // timed out already
    this.waiting.delete(msg.id);
    clearTimeout(w.timer);
    if (msg.ok) w.resolve(msg.body);
    else w.reject(new Error(msg.error));
  }
}

export function runWorker(spec: ClusterServer): void {
  const config = readCoreConfig(spec.protocol);
  const core = new PushCore(config, spec.framer);
  const primary = new PrimaryLink();
  const label = `${spec.name} worker ${cluster.worker?.id ?? '?'}`;

  process.on('message', (msg: unknown) => {
    if (isMessage(msg, 'answer')) primary.answered(msg as AnswerMessage);
    else if (isMessage(msg, 'do')) {
      const { id, command } = msg as CommandMessage;
      // A throw here is a bug (see PushCore.broadcastAt): it ends this worker, and with it the
      // whole server (the primary exits non-zero), rather than serve a different seq space.
      const result = runCommand(core, command);
      if (process.connected) process.send?.({ kind: 'done', id, ok: true, result } satisfies DoneMessage);
    }
  });

  const server = createServer((req, res) => {
    if (handleClusterControl(primary, req, res)) return;
    if (spec.handleStream(core, req)) return;
    res.writeHead(404).end();
  });
  spec.attach?.(server, core);
  listen(server, core, config, label);
}

function runCommand(core: PushCore, command: WorkerCommand): CommandResult[WorkerCommand['cmd']] {
  switch (command.cmd) {
    case 'health': {
      const h = core.health(heapUsedFor(command.gc));
      return { connections: h.connections, sent: h.sent, lastSeq: h.lastSeq ?? 0, heapUsed: h.heapUsed ?? 0 };
    }
    case 'pause':
      return { nextSeq: core.pauseBroadcast() };
    case 'start':
      core.broadcastAt(command.req, BigInt(command.startNs), command.firstSeq);
      return {};
    case 'drop':
      return { dropped: core.drop(command.fraction) };
    case 'reset':
      core.reset();
      return {};
  }
}

/** The contract endpoints, answered for the whole server through the primary (503 until every worker listens). */
function handleClusterControl(primary: PrimaryLink, req: IncomingMessage, res: ServerResponse): boolean {
  return readControlOp(req, res, (op) => {
    primary.ask(op).then(
      (result) => sendOpResult(res, op, result),
      (err: unknown) => sendJson(res, 503, { ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}
