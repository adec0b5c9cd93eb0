// node-sse-h2: SSE over HTTP/2 on node:http2, the same core and SSE framer as node-sse.
// Default h2c: ONE port; a connection starting with the HTTP/2 preface goes to the http2 server
// (prior knowledge, no Upgrade dance), anything else to a node:http server that answers the
// control endpoints and HTTP/1.1 GET /events exactly as node-sse does, so the harness's
// HTTP/1.1 readiness and control calls work unchanged. PUSHBENCH_TLS=1 instead serves HTTP/2
// over TLS with HTTP/1.1 fallback (ALPN) and a throw-away self-signed certificate: browsers
// speak HTTP/2 only over TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, createServer as createH2Server, Http2ServerRequest, type Http2Server, type Http2ServerResponse, type Http2Session } from 'node:http2';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, PATHS } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { handleControl, sendJson } from './control-http.ts';
import { PushCore } from './core.ts';
import { sseFramer } from './framers.ts';
import { heapUsedFor } from './heap.ts';
import { listen } from './serve.ts';
import { serveH2Sse, sniffConnection, sniffTls } from './transport-h2.ts';
import { serveRawSse } from './transport-sse.ts';

const NAME = 'node-sse-h2';
const config = readCoreConfig('sse-h2');
const core = new PushCore(config, sseFramer, { messages: true });

/**
 * TCP connections that carry event streams: every HTTP/2 session plus every HTTP/1.1 connection
 * serving GET /events. Connections that only make control requests are left out, so /healthz can
 * be asked over a fresh connection without counting itself.
 */
let h2Sessions = 0;
let h1Streams = 0;

/**
 * Node's 10 MB default makes nghttp2 tear a session down (ENHANCE_YOUR_CALM) once the events
 * queued for its streams pass it; an HTTP/1.1 socket has no such cap, so the cap would measure a
 * guard rather than the transport. 256 MB per session is far above any scenario's backlog.
 */
const MAX_SESSION_MEMORY_MB = 256;

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

function onRequest(req: Req, res: Res): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === PATHS.health) {
    sendJson(res as ServerResponse, 200, { ...core.health(heapUsedFor(url.searchParams.get('gc') === '1')), tcpConnections: h2Sessions + h1Streams });
    return;
  }
  // The compatibility API's request/response have every member handleControl uses (method, url,
  // data/end, writeHead, end), so the control endpoints work over HTTP/2 too.
  if (handleControl(core, req as IncomingMessage, res as ServerResponse)) return;
  if (req.method === 'GET' && url.pathname === PATHS.sse) {
    if (req instanceof Http2ServerRequest) {
      // Straight on the HTTP/2 stream, not through the compatibility response: one respond(),
      // then the prebuilt bytes per event.
      serveH2Sse(core, req.stream, req.headers);
    } else {
      h1Streams++;
      req.socket.once('close', () => h1Streams--);
      serveRawSse(core, req);
    }
    return;
  }
  res.writeHead(404).end();
}

function countSessions(h2: Http2Server | ReturnType<typeof createSecureServer>): void {
  h2.on('session', (session: Http2Session) => {
    h2Sessions++;
    session.once('close', () => h2Sessions--);
    // A peer's protocol error or a reset socket ends this session only.
    session.on('error', () => undefined);
  });
  h2.on('sessionError', () => undefined);
}

/** A self-signed certificate for 127.0.0.1, made at start and never written anywhere that stays. */
function throwAwayCertificate(): { key: Buffer; cert: Buffer } {
  // The harness passes the openssl it found (it owns the system probes and PUSHBENCH_WITHOUT);
  // started by hand, the one on PATH.
  const openssl = process.env[ENV.openssl] || 'openssl';
  const dir = mkdtempSync(join(tmpdir(), 'pushbench-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    // subjectAltName as well as CN: browsers ignore the CN when matching the host.
    try {
      execFileSync(
        openssl,
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1', '-keyout', keyPath, '-out', certPath],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${openssl} not found` : (err as Error).message.split('\n')[0];
      process.stderr.write(`${NAME}: ${ENV.tls}=1 needs openssl to make a throw-away certificate: ${why}\n`);
      rmSync(dir, { recursive: true, force: true });
      process.exit(1);
    }
    return { key: readFileSync(keyPath), cert: readFileSync(certPath) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function server(): Server {
  if (process.env[ENV.tls] === '1') {
    const secure = createSecureServer({ ...throwAwayCertificate(), allowHTTP1: true, maxSessionMemory: MAX_SESSION_MEMORY_MB }, onRequest);
    countSessions(secure);
    // Plain HTTP/1.1 beside TLS on the one port, so startServer's http:// /healthz poll and the
    // harness's control calls work in TLS mode too.
    const plain = createHttpServer(onRequest);
    return createNetServer((socket) => sniffTls(socket, secure, plain));
  }
  const h2 = createH2Server({ maxSessionMemory: MAX_SESSION_MEMORY_MB }, onRequest);
  countSessions(h2);
  const http1 = createHttpServer(onRequest);
  return createNetServer((socket) => sniffConnection(socket, h2, http1));
}

listen(server(), core, config, NAME);
