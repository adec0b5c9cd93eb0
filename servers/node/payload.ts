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

export function helloJson(retryMs: number): string {
  return `{"hello":true,"retry":${retryMs}}`;
}
