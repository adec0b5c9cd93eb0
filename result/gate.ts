// A gate calibration's record (scenarios/gate-calibration.ts runs it, reports/gate-calibration.ts
// judges it): the faults it injects into the servers under test, and gate.json, its manifest of
// the quick-suite runs it made, clean and faulty.
import { median } from './aggregate.ts';
import type { RunResult } from './result.ts';

export const FLOOR_SERVER = 'tcp-floor';
/** The servers under test in the quick suite: the faults go into these, never into the floor. */
export const GATE_SERVERS = ['node-sse', 'node-ws'] as const;

export type GateFaultName = 'memory' | 'latency' | 'cpu';
export const GATE_FAULT_NAMES: readonly GateFaultName[] = ['memory', 'latency', 'cpu'];

/**
 * `target`: the figure the fault must be caught in (the issue's detection target); the others are
 * reported beside it (a 5 ms delay also moves p99, but p99's effect size is far larger).
 */
export type GateFaultSpec = { servers: readonly string[]; what: string; figures: { kind: 'idle' | 'push'; metric: string; target: boolean }[] } & (
  | { kind: 'fixed'; fault: string }
  /** work=US sized from a clean run: `fraction` more server CPU per delivered event. */
  | { kind: 'cpu'; fraction: number }
);

/** The faults of the targets: +16 KiB per connection, +5 ms latency, +30 % CPU per event. */
export const DEFAULT_FAULT_SIZES: Record<GateFaultName, number> = { memory: 16384, latency: 5, cpu: 0.3 };

/** A fault at another size (`--faults memory=4096,latency=2,cpu=0.15`): bytes, ms, fraction of CPU. */
export function gateFault(name: GateFaultName, size: number = DEFAULT_FAULT_SIZES[name]): GateFaultSpec {
  const base = GATE_FAULTS[name];
  switch (name) {
    case 'memory':
      return { ...base, kind: 'fixed', fault: `hold=${size}`, what: `+${size} B held per connection` };
    case 'latency':
      return { ...base, kind: 'fixed', fault: `delay=${size}`, what: `every event sent ${size} ms late` };
    case 'cpu':
      return { ...base, kind: 'cpu', fraction: size, what: `+${Math.round(size * 100)} % server CPU per event` };
  }
}

export const GATE_FAULTS: Record<GateFaultName, GateFaultSpec> = {
  memory: { kind: 'fixed', fault: 'hold=16384', servers: GATE_SERVERS, what: '+16 KiB held per connection', figures: [{ kind: 'idle', metric: 'serverBytesPerConnection', target: true }] },
  latency: {
    kind: 'fixed',
    fault: 'delay=5',
    servers: GATE_SERVERS,
    what: 'every event sent 5 ms late',
    figures: [
      { kind: 'push', metric: 'p1FromT0Us', target: true },
      { kind: 'push', metric: 'p50FromT0Us', target: false },
      { kind: 'push', metric: 'p99FromT0Us', target: false },
    ],
  },
  cpu: { kind: 'cpu', fraction: 0.3, servers: GATE_SERVERS, what: '+30 % server CPU per event', figures: [{ kind: 'push', metric: 'serverCpuMsPer1kEvents', target: true }] },
};

export interface GateRun {
  role: 'clean' | GateFaultName;
  /** PUSHBENCH_FAULT per server ({} for a clean run). */
  fault: Record<string, string>;
  /** results.json, relative to the calibration folder. */
  result: string;
  seconds: number;
  loadAverage: number[];
}

export interface GateManifest {
  schema: 'pushbench/gate-calibration@1';
  command: string;
  startedAt: string;
  runs: GateRun[];
  /** The work= value per server of the cpu fault, in µs per delivered event (the last cpu run's). */
  workUs: Record<string, number>;
  /** The work= values of each cpu run, by run number (each is sized from the clean runs before it). */
  workUsPerRun?: Record<string, Record<string, number>>;
  /** Fault sizes other than DEFAULT_FAULT_SIZES (bytes, ms, fraction of CPU). */
  sizes?: Partial<Record<GateFaultName, number>>;
}

/**
 * work=US per server that adds `fraction` of the server's own CPU per delivered event, from the
 * median over clean runs' push steps (over every clean run so far: one run's figure moved by up to
 * 28 % on this shared machine): CPU ms per 1,000 deliveries is µs per delivery, and the fault spends US per
 * event per client, that is per delivery.
 */
export function workUsFor(clean: RunResult | RunResult[], servers: readonly string[], fraction: number): Record<string, number> {
  const out: Record<string, number> = {};
  const runs = Array.isArray(clean) ? clean : [clean];
  for (const server of servers) {
    const cpu = runs.flatMap((r) => r.steps).flatMap((s) => (s.kind === 'push' && s.server === server && s.outcome.state === 'completed' ? [s.outcome.metrics.serverCpuMsPer1kEvents] : []));
    const m = cpu.length === 0 ? null : median(cpu);
    if (m === null || !(m > 0)) throw new Error(`the clean run has no completed push step of ${server} to size the cpu fault from`);
    out[server] = Math.round(m * fraction * 100) / 100;
  }
  return out;
}
