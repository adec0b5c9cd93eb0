// The harness's side of the contract's HTTP endpoints.
import { PATHS, type BroadcastRequest, type HealthBody } from '../servers/contract.ts';

export async function getHealth(baseUrl: string, timeoutMs = 10_000, collectGarbage = false): Promise<HealthBody> {
  const url = `${baseUrl}${PATHS.health}${collectGarbage ? '?gc=1' : ''}`;
  const res = await timed(url, timeoutMs, { signal: AbortSignal.timeout(timeoutMs) });
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
  const res = await timed(url, 10_000, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

/** fetch with an error that says which endpoint did not answer and what that usually means. */
async function timed(url: string, timeoutMs: number, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      throw new Error(`${url} did not answer within ${timeoutMs} ms (the server is overloaded or stuck)`);
    }
    throw new Error(`${url}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
  }
}
