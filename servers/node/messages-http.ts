// The messages addition's two ways in (CONTRACT.md "Versioned additions"): a WS text frame on the
// stream's own socket, and an SSE client's `POST /messages?client=<id>` beside its stream. Both end
// in PushCore.relay, so a pair differs only in how the message reaches the server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PATHS, parseMessage, parseName, STREAM_QUERY } from '../contract.ts';
import type { PushCore, Subscriber } from './core.ts';
import { readBody, sendJson } from './control-http.ts';

/** A WS frame from a client: a message is relayed; anything else (binary, not a message) is ignored. */
export function relayFrame(core: PushCore, sender: Subscriber, data: Buffer, isBinary: boolean): void {
  if (!isBinary) relayText(core, sender, data.toString('utf8'));
}

/** A WS text message already decoded (hono's onMessage hands over a string). */
export function relayText(core: PushCore, sender: Subscriber, text: string): void {
  if (!core.messages) return;
  const msg = parseMessage(text);
  if (msg !== null) core.relay(sender, msg);
}

/**
 * `POST /messages?client=<id>`: 200 {"ok":true} once relayed; 400 for a body that is no message,
 * 404 when no stream of that client is open (or a room message from a stream in no room). Returns
 * false when the request is not one (or the server does not speak the addition: a v1 server's 404).
 */
export function handleMessagePost(core: PushCore, req: IncomingMessage, res: ServerResponse): boolean {
  if (!core.messages || req.method !== 'POST') return false;
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== PATHS.messages) return false;
  const client = parseName(url.searchParams.get(STREAM_QUERY.client));
  readBody(req, res, (text) => {
    const msg = parseMessage(text);
    if (msg === null) return sendJson(res, 400, { ok: false, error: 'body must be {"to":"room"|"sender","seq":N,"t0":"<ns>","pad":".."}' });
    if (client === null) return sendJson(res, 400, { ok: false, error: 'name the sending client: POST /messages?client=<id>' });
    const outcome = core.relayFor(client, msg);
    if (outcome === 'relayed') return sendJson(res, 200, { ok: true });
    sendJson(res, 404, { ok: false, error: outcome === 'no-client' ? `no open stream of client ${client}` : `client ${client}'s stream is in no room` });
  });
  return true;
}
