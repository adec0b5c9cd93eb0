// The harness's side of the contract's HTTP endpoints. Every answer is checked against the
// contract's schema (servers/contract.ts) here, at the edge: a server that answers /healthz
// without "lastSeq" fails with one line naming it, instead of reaching the scenario as a seq of
// `undefined` and coming out as "0 of 12000 events received".
import { ContractViolation } from './errors.ts';
import { checkAnswer } from '../servers/contract-check.ts';
import { PATHS, type AnswerOf, type BroadcastRequest, type ControlEndpoint, type HealthBody, type Protocol } from '../servers/contract.ts';

/**
 * Server names by base URL, so a violation names the server whichever scenario asked: startServer
 * names each server it starts (callers pass only the URL, and there are many of them).
 */
const names = new Map<string, string>();
/** Every violation seen in this process, in order, once each (`pushbench run` exits 1 on any). */
const violations: string[] = [];

export function nameServer(baseUrl: string, name: string): void {
  names.set(baseUrl, name);
}

export function forgetServer(baseUrl: string): void {
  names.delete(baseUrl);
}

/** The violation lines raised so far in this process. */
export function contractViolations(): readonly string[] {
  return [...violations];
}

export async function getHealth(baseUrl: string, timeoutMs = 10_000, collectGarbage = false): Promise<HealthBody> {
  const url = `${baseUrl}${PATHS.health}${collectGarbage ? '?gc=1' : ''}`;
  const res = await timed(url, timeoutMs, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return checked(baseUrl, PATHS.health, text);
}

/** A /healthz whose protocol is not the one the server was registered with (e.g. in a config). */
export function checkProtocol(baseUrl: string, health: HealthBody, registered: Protocol): void {
  if (health.protocol === registered) return;
  const name = names.get(baseUrl) ?? new URL(baseUrl).host;
  throw violation(
    name,
    PATHS.health,
    `${name}: ${PATHS.health} "protocol" is "${health.protocol}" but ${name} is registered as "${registered}" (the harness would speak the wrong wire: fix the server or the config's "protocol")`,
  );
}

export async function postBroadcast(baseUrl: string, req: BroadcastRequest): Promise<void> {
  await post(baseUrl, PATHS.broadcast, req);
}

/** Closes every client connection (or about `fraction` of them); returns how many were closed. */
export async function postDrop(baseUrl: string, fraction = 1): Promise<number> {
  return (await post(baseUrl, PATHS.drop, fraction < 1 ? { fraction } : {})).dropped;
}

export async function postReset(baseUrl: string): Promise<void> {
  await post(baseUrl, PATHS.reset, {});
}

async function post<E extends ControlEndpoint>(baseUrl: string, endpoint: E, body: unknown): Promise<AnswerOf<E>> {
  const url = `${baseUrl}${endpoint}`;
  const res = await timed(url, 10_000, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
  return checked(baseUrl, endpoint, text);
}

function checked<E extends ControlEndpoint>(baseUrl: string, endpoint: E, text: string): AnswerOf<E> {
  const result = checkAnswer(endpoint, text);
  if (result.ok) return result.value;
  const known = names.get(baseUrl);
  const name = known ?? new URL(baseUrl).host;
  const [first, ...more] = result.problems;
  const hint = more.length === 0 ? '' : `; ${more.length} more problem${more.length === 1 ? '' : 's'}${known ? `: \`pushbench conform ${known}\` lists every one` : ''}`;
  throw violation(name, endpoint, `${name}: ${first}${hint}`);
}

function violation(name: string, endpoint: string, line: string): ContractViolation {
  if (!violations.includes(line)) violations.push(line);
  return new ContractViolation(name, endpoint, line);
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
