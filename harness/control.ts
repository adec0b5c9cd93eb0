// The harness's side of the contract's HTTP endpoints.
import { PATHS, type BroadcastRequest, type HealthBody } from '../servers/contract.ts';

export async function getHealth(baseUrl: string, timeoutMs = 2000, collectGarbage = false): Promise<HealthBody> {
  const url = `${baseUrl}${PATHS.health}${collectGarbage ? '?gc=1' : ''}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as HealthBody;
}

export async function postBroadcast(baseUrl: string, req: BroadcastRequest): Promise<void> {
  await post(`${baseUrl}${PATHS.broadcast}`, req);
}

/** Closes every client connection (or about `fraction` of them); returns how many were closed. */
export async function postDrop(baseUrl: string, fraction = 1): Promise<number | null> {
  const body = (await post(`${baseUrl}${PATHS.drop}`, fraction < 1 ? { fraction } : {})) as { dropped?: number };
  return typeof body.dropped === 'number' ? body.dropped : null;
}

export async function postReset(baseUrl: string): Promise<void> {
  await post(`${baseUrl}${PATHS.reset}`, {});
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}
