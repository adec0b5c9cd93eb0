// Which scenarios a broker target can run. idle and push go through the step-target seam; the
// others drive contract endpoints (/control/drop, /control/reset, the browser page's origin) that
// no broker has.
import type { ServerSpec } from '../servers/spec.ts';

const RUNS = new Set(['idle', 'push']);

const WHY: Record<string, string> = {
  reconnect:
    'not built for broker targets: the clients resume by the contract\'s numeric event ids (nchan\'s message ids are "<time>:<tag>", and Pushpin keeps no history to resume from), and a broker has no /control/drop to cut its subscribers',
  sideload: 'sideload measures a contract server answering plain requests beside its streams; a broker target has no such endpoint',
  path: 'path puts nginx or a delay between the harness and a contract server; a broker target is itself the thing in the path',
  browser: "browser checks load a page from the server's own origin, which a broker target does not serve",
};

/** Null when the broker (or any contract server) can run this scenario kind, else why not. */
export function brokerSkipReason(spec: ServerSpec, kind: string): string | null {
  if (spec.broker === undefined || RUNS.has(kind)) return null;
  return `in the ${kind} scenario: ${WHY[kind] ?? 'not built for broker targets'}`;
}
