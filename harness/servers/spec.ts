// What the registry knows about a server: enough to launch it and to say why it cannot run here.
import type { Protocol } from '../../servers/contract.ts';
import type { BrokerDescription } from '../broker/types.ts';
import { isHidden, withHidden, type OptionalPart } from '../optional-parts.ts';
import type { Protocol as ResultProtocol } from '../../result/fields.ts';

// result/ imports nothing of the project, so it lists the protocols again: they must be the contract's.
true satisfies ([Protocol, ResultProtocol] extends [ResultProtocol, Protocol] ? true : never);

/** `broker`: a push server nobody here wrote, driven through its publish API (servers/broker/). */
export type Language = 'node' | 'python' | 'custom' | 'broker';

export interface LaunchSpec {
  /** Executable; relative paths are resolved from `cwd`. */
  command: string;
  args: string[];
  /** Extra environment (HOST/PORT and PUSHBENCH_* are added by the harness). */
  env: Record<string, string>;
  /** Working directory (absolute). */
  cwd: string;
  /**
   * How long stop() waits after SIGTERM before it SIGKILLs the process group: the contract's 2 s,
   * longer for a server under a profiler, which writes its profile after the server exits.
   */
  stopGraceMs: number;
  /**
   * Run before every start (startServer awaits it): the built-in Node servers build their bundle
   * here the first time (harness/servers/bundle.ts). Whoever spawns `command` itself calls it first.
   */
  prepare?: () => Promise<void>;
}

/** The contract: a server exits within 2 s of SIGTERM. */
export const CONTRACT_STOP_GRACE_MS = 2000;

export interface Requirement {
  /** Human name of what is needed, e.g. "python3-fastapi". */
  name: string;
  /** Returns null when present, else the one-line reason it is missing (hidden or not). */
  check: () => string | null;
  /** The optional system part it belongs to: PUSHBENCH_WITHOUT=<part> hides it (harness/optional-parts.ts). */
  part?: OptionalPart;
}

export interface ServerSpec {
  name: string;
  protocol: Protocol;
  language: Language;
  /** Name of the pair this server belongs to (an SSE server and its WS twin share it); null for none. */
  pair: string | null;
  description: string;
  /** True when `/healthz` reports heapUsed (Node servers). */
  reportsHeap: boolean;
  /**
   * Processes that hold client connections (1; the clustered servers' worker count). The open-file
   * cap applies to each, so the engine allows this many times one process's connections.
   */
  processes: number;
  launch: LaunchSpec;
  requires: Requirement[];
  /**
   * Set for a broker target (servers/broker/): it speaks no contract; the harness publishes to it
   * and starts it through harness/broker/, and `launch` is only its main command.
   */
  broker?: BrokerDescription;
}

/**
 * Null when the server can run here, else the first missing requirement's reason; when one of its
 * optional parts is hidden by PUSHBENCH_WITHOUT, that the part is hidden (and whether the server
 * could run without the switch).
 */
export function unavailableReason(spec: ServerSpec): string | null {
  return requirementsReason(spec.requires);
}

/** The same answer for a list of requirements (the parity test of pushcore.py needs python3 alone). */
export function requirementsReason(requires: readonly Requirement[]): string | null {
  let missing: string | null = null;
  for (const r of requires) {
    missing = r.check();
    if (missing !== null) break;
  }
  const hidden = requires.find((r) => r.part !== undefined && isHidden(r.part))?.part;
  return hidden === undefined ? missing : withHidden(hidden, missing);
}
