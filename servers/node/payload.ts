// Builds an event's `data` JSON once; the transports frame it once per event (never per client).
const PAD_SOURCE = 'x'.repeat(1 << 20);

/**
 * The data JSON `{"seq":..,"t0":"..","t1":"..","pad":".."}` padded so the JSON is about `bytes` long
 * (never shorter than the fields themselves).
 */
export function eventDataJson(seq: number, t0: bigint, t1: bigint, bytes: number): string {
  const head = `{"seq":${seq},"t0":"${t0}","t1":"${t1}","pad":"`;
  const padLength = Math.max(0, Math.min(PAD_SOURCE.length, bytes - head.length - 2));
  return `${head}${PAD_SOURCE.slice(0, padLength)}"}`;
}

/** The envelope used by WS frames and TCP lines: `{"id":seq,"event":name,"data":<data>}`. */
export function envelopeJson(seq: number, event: string, dataJson: string): string {
  return `{"id":${seq},"event":${JSON.stringify(event)},"data":${dataJson}}`;
}

/** The hello; without a retry hint (PUSHBENCH_RETRY_FIELD=0) just `{"hello":true}`. */
export function helloJson(retryMs: number | null): string {
  return retryMs === null ? '{"hello":true}' : `{"hello":true,"retry":${retryMs}}`;
}

/** The binary addition's data for SSE and TCP: the event's random bytes base64-encoded in `bin`. */
export function binaryDataJson(seq: number, t0: bigint, t1: bigint, bytes: Buffer): string {
  return `{"seq":${seq},"t0":"${t0}","t1":"${t1}","bin":"${bytes.toString('base64')}"}`;
}

/**
 * The data of a relayed message (messages addition): the room's seq (room) or the sender's own
 * (echo), the sender's t0 as it sent it, the relay's t1, and the sender's pad (re-escaped).
 */
export function messageDataJson(seq: number, t0: string, t1: bigint, pad: string): string {
  return `{"seq":${seq},"t0":"${t0}","t1":"${t1}","pad":${JSON.stringify(pad)}}`;
}

/** A message's WS/TCP envelope: no id (messages are live only, outside the server's event sequence). */
export function messageEnvelopeJson(event: string, dataJson: string): string {
  return `{"event":${JSON.stringify(event)},"data":${dataJson}}`;
}
