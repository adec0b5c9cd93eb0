// The extras a run may carry beside its steps, each a named, typed, optional field of
// `RunResult.extras`. Like the rest of the result, each is a zod schema and its type is inferred
// from it: one source of truth, checked on read (a result file is untrusted input).
import { z } from 'zod';
import { count, figure, nullableFigure, protocol, text } from './fields.ts';
import { PROFILERS } from './profilers.ts';


const browserCheck = z.object({
  name: text,
  pass: z.boolean(),
  measured: nullableFigure,
  unit: text,
  /** The pass rule, in words. */
  expected: text,
  detail: text,
});
export type BrowserCheck = z.infer<typeof browserCheck>;

const browserServer = z.object({
  server: text,
  protocol,
  /** The page's origin (the server's own), or null when skipped. */
  origin: text.nullable(),
  /** Why this server was not checked (e.g. raw TCP); null when it was. */
  skipped: text.nullable(),
  checks: z.array(browserCheck),
});
export type BrowserServerResult = z.infer<typeof browserServer>;

/** `extras.browser`: the browser scenario's findings (a second browser scenario in a plan replaces it). */
const browserExtra = z.object({
  /** Chromium's user agent, or null when it did not run. */
  browser: text.nullable(),
  /** Why nothing ran (no Chromium), else null. */
  skipped: text.nullable(),
  /** Chromium could not be started or driven; null when it ran. */
  error: text.nullable(),
  /** The scenario's settings as run. */
  settings: z.looseObject({ clientsPerPage: figure, events: figure, rate: figure, retryMs: figure, stayClosedMs: figure.optional() }),
  /** Smallest step of performance.now() seen in the page (Chromium coarsens it), in µs. */
  clockStepUs: nullableFigure,
  servers: z.array(browserServer),
});
export type BrowserExtra = z.infer<typeof browserExtra>;

/** The browser reconnect checks' names (scenarios/browser-reconnect.ts), which the claims table reads. */
export const RECONNECT_CHECKS = {
  /** A bare EventSource back after a drop by itself; measured: the delay with no `retry:` field. */
  sseAuto: 'EventSource reconnects by itself (no retry: field)',
  /** A bare EventSource's delay for one hint. */
  sseHint: (ms: number) => `reconnect delay, retry: ${ms}`,
  /** A bare WebSocket after a drop: still closed. */
  wsStaysClosed: 'WebSocket without reconnect code stays closed',
} as const;

/** The hint of a "reconnect delay, retry: N" check's name, or null for any other check. */
export function hintOf(checkName: string): number | null {
  const m = /^reconnect delay, retry: (\d+)$/.exec(checkName);
  return m ? Number(m[1]) : null;
}

/** `extras.calibration`: each injected fault and what was measured of it (`pushbench calibrate`). */
const calibrationCheck = z.object({ name: text, injected: text, expected: figure, measured: nullableFigure, unit: text, tolerance: text, pass: z.boolean(), detail: text });
export type CalibrationCheck = z.infer<typeof calibrationCheck>;

const profiler = z.enum(PROFILERS);
const profileRecord = z.object({
  server: text,
  profiler,
  /** HTML file name, relative to the run's profiles/ folder. */
  html: text,
  startedAt: text,
  finishedAt: text,
});
export type ProfileRecord = z.infer<typeof profileRecord>;

/** `extras.profiles` of a profiled run. */
const profilesExtra = z.object({
  profiler,
  /** Relative to the run folder. */
  folder: text,
  records: z.array(profileRecord),
  /** Servers in the plan that are not Node servers and ran without a profiler. */
  unprofiled: z.array(text),
});
export type ProfilesExtra = z.infer<typeof profilesExtra>;

/** A (server, path) pair the path scenario could not measure here, and why. */
const pathSkip = z.object({ server: text, path: text, reason: text });
export type PathSkip = z.infer<typeof pathSkip>;
const pathsExtra = z.looseObject({ skips: z.array(pathSkip) });
export type PathsExtra = z.infer<typeof pathsExtra>;

/** `extras.agents`: each load agent's measured clock. */
const agentClock = z.object({
  address: text,
  /** Agent CLOCK_MONOTONIC minus ours, ns. */
  offsetNs: figure,
  /** Half the smallest ping round trip: the offset is known to ± this. */
  uncertaintyNs: figure,
  workers: count,
  clients: count,
});
export type AgentClock = z.infer<typeof agentClock>;

/**
 * `extras.brokers`: which servers were broker targets, so the reports name their latency
 * "publish-to-receive" and say how their connections were counted.
 */
const brokerRecord = z.object({
  server: text,
  protocol: text,
  pair: text.nullable(),
  broker: z.enum(['nchan', 'pushpin', 'custom']),
  /** Where the subscriber count of the idle scenario's "server counts them" check came from. */
  connectionsFrom: text,
  /** Scenario kinds of the run it skipped, each with the reason. */
  skipped: z.array(text),
});
export type BrokerRecord = z.infer<typeof brokerRecord>;
const brokersExtra = z.object({ latency: z.literal('publish-to-receive'), servers: z.array(brokerRecord) });
export type BrokersExtra = z.infer<typeof brokersExtra>;

/**
 * Every extra is named and typed, so nothing else can be written. Reading does not refuse a key it
 * does not know (from a later version): checkResult keeps it as it came, and no report shows it.
 */
export const extrasSchema = z.object({
  browser: browserExtra.optional(),
  calibration: z.array(calibrationCheck).optional(),
  profiles: profilesExtra.optional(),
  paths: pathsExtra.optional(),
  agents: z.array(agentClock).optional(),
  brokers: brokersExtra.optional(),
});
export type RunExtras = z.infer<typeof extrasSchema>;
export type ExtraName = keyof typeof extrasSchema.shape;
