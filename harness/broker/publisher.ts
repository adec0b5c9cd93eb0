// How the harness publishes one event (or a batch) to a broker: one HTTP request built from the
// broker's own API. Requests go one at a time, in seq order: concurrent publishes could reach the
// broker out of order, and the broker's order is what subscribers see.
import { envelopeJson } from '../../servers/node/payload.ts';
import type { Protocol } from '../../servers/contract.ts';
import type { PublishTemplate } from './types.ts';

export interface OutgoingEvent {
  seq: number;
  /** The event's data JSON (servers/node/payload.ts eventDataJson): what SSE subscribers parse. */
  data: string;
}

export interface Publisher {
  /** Most events one request may carry (Pushpin takes many items per request; nchan one message). */
  maxBatch: number;
  send(events: OutgoingEvent[]): Promise<void>;
}

/** The WS envelope the harness's WS client reads seq and times from. */
export function envelopeOf(e: OutgoingEvent): string {
  return envelopeJson(e.seq, 'tick', e.data);
}

/** What a subscriber of this protocol must receive as its message body. */
export function messageFor(protocol: Protocol, e: OutgoingEvent): string {
  return protocol === 'ws' ? envelopeOf(e) : e.data;
}

export async function postOrThrow(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const e = err as Error;
    throw new Error(`publish to ${url} failed: ${e.cause instanceof Error ? e.cause.message : e.message}`);
  }
  const text = await res.text();
  if (res.status >= 300) throw new Error(`publish to ${url} answered ${res.status}: ${text.slice(0, 200)}`);
}

/** A whole SSE event as a broker that streams raw text (Pushpin's http-stream format) must send it. */
export function sseEventOf(e: OutgoingEvent): string {
  return `id: ${e.seq}\nevent: tick\ndata: ${e.data}\n\n`;
}

export const PLACEHOLDERS = ['data', 'envelope', 'sse_event', 'data_string', 'envelope_string', 'sse_event_string', 'seq'] as const;

/** Fills a user's publish template for one event: `{{name}}` for each of PLACEHOLDERS. */
export function fillTemplate(template: string, e: OutgoingEvent): string {
  return template.replace(/\{\{([a-z_]+)\}\}/g, (m, name: string) => {
    switch (name) {
      case 'data':
        return e.data;
      case 'envelope':
        return envelopeOf(e);
      case 'sse_event':
        return sseEventOf(e);
      case 'data_string':
        return JSON.stringify(e.data);
      case 'envelope_string':
        return JSON.stringify(envelopeOf(e));
      case 'sse_event_string':
        return JSON.stringify(sseEventOf(e));
      case 'seq':
        return String(e.seq);
      default:
        return m;
    }
  });
}

export function templatePublisher(t: PublishTemplate): Publisher {
  return {
    maxBatch: 1,
    send: async (events) => {
      for (const e of events) {
        await postOrThrow(fillTemplate(t.url, e), { method: t.method, headers: t.headers, body: fillTemplate(t.body, e) });
      }
    },
  };
}
