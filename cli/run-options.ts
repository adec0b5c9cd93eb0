// Turns `pushbench run` flags (and a config file) into raw plan input for scenarios/schema.ts.
// Flags override the config file, which overrides the embedded suite.
import { UserError } from '../harness/errors.ts';
import type { PlanInput, ScenarioInput } from '../scenarios/schema.ts';
import { PROFILERS, type Profiler } from '../result/profilers.ts';
import { NGINX_PATHS } from '../scenarios/path-spec.ts';
import { defaultSuite, EXTRA_SCENARIOS, SUITES, WRITE_UP_SCENARIOS, type Suite } from '../scenarios/suites.ts';
import type { ConfigFile } from './config-file.ts';

export interface RunFlags {
  scenario?: string;
  suite: string;
  profile?: string;
  servers?: string;
  clients?: string;
  rate?: string;
  bytes?: string;
  payload?: string;
  post?: string;
  roomSize?: string;
  duration?: string;
  warmup?: string;
  repetitions?: string;
  mode?: string;
  fraction?: string;
  downtime?: string;
  ramp?: string;
  hold?: string;
  settle?: string;
  coalesce?: boolean;
  findKnee?: boolean;
  kneeThresholdMs?: string;
  jitter?: boolean;
  backoff?: boolean;
  floor?: boolean;
  maxPerWorker?: string;
  agents?: string;
  serverHost?: string;
  via?: string;
  net?: string;
  label?: string;
  out?: string;
}

const KINDS = ['idle', 'push', 'reconnect', 'sideload', 'path', 'browser', 'upstream'] as const;
const FLOOR = 'tcp-floor';
type Kind = (typeof KINDS)[number];

export function numberList(flag: string, raw: string): number[] {
  return raw.split(',').map((part) => {
    const t = part.trim().replace(/_/g, '');
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) throw new UserError(`${flag}: "${part}" is not a number (expected e.g. ${flag} 1000,5000)`);
    return n;
  });
}

function one(flag: string, raw: string): number {
  const list = numberList(flag, raw);
  if (list.length !== 1) throw new UserError(`${flag} takes one number, got "${raw}"`);
  return list[0]!;
}

export function parseSuite(raw: string): Suite {
  if (!(SUITES as readonly string[]).includes(raw)) throw new UserError(`unknown suite "${raw}"; suites: ${SUITES.join(', ')}`);
  return raw as Suite;
}

export function parseProfiler(raw: string): Profiler {
  if ((SUITES as readonly string[]).includes(raw)) throw new UserError(`--profile ${raw}: the suite size is now --suite ${raw}; --profile takes a profiler: ${PROFILERS.join(', ')}`);
  if (!(PROFILERS as readonly string[]).includes(raw)) throw new UserError(`unknown profiler "${raw}"; --profile takes ${PROFILERS.join(', ')}`);
  return raw as Profiler;
}

export function buildPlanInput(flags: RunFlags, config: ConfigFile | null): PlanInput {
  const suite = parseSuite(flags.suite);
  // The write-up's entries are about their own servers and sizes: a run that picks scenarios,
  // servers or client counts is about something else, and leaves them out.
  const writeUp = (s: ScenarioInput) => WRITE_UP_SCENARIOS.includes(s);
  const picks = flags.scenario !== undefined || flags.servers !== undefined || flags.clients !== undefined || flags.via !== undefined || flags.net !== undefined;
  const base: ScenarioInput[] = config?.scenarios ?? defaultSuite(suite).filter((s) => !(picks && writeUp(s)));
  let scenarios: ScenarioInput[];
  const pathFlags = flags.via !== undefined || flags.net !== undefined;
  // --via and --net are about the path scenario: alone, they ask for it.
  const scenarioFlag = flags.scenario ?? (pathFlags ? 'path' : undefined);
  if (pathFlags && !(scenarioFlag ?? '').split(',').map((k) => k.trim()).includes('path')) {
    throw new UserError('--via and --net apply to the path scenario: add path to --scenario (e.g. --scenario path --via nginx)');
  }
  if (scenarioFlag !== undefined) {
    const kinds = scenarioFlag.split(',').map((k) => k.trim());
    for (const k of kinds) {
      if (!(KINDS as readonly string[]).includes(k)) throw new UserError(`unknown scenario "${k}"; scenarios: ${KINDS.join(', ')}`);
    }
    scenarios = kinds.map((k) => {
      const s = { ...(base.find((b) => b.kind === k) ?? [...defaultSuite(suite).filter((b) => !writeUp(b)), ...EXTRA_SCENARIOS].find((b) => b.kind === k)!) };
      // A knee search is asked for explicitly with --find-knee, never inherited from a suite.
      if (s.kind === 'push') delete s.findKnee;
      return s;
    });
  } else {
    scenarios = base;
  }
  scenarios = scenarios.map((s) => (writeUp(s) ? applyFlags(s, flags) : withFloor(applyFlags(s, flags), flags.floor !== false)));
  const label = flags.label ?? (scenarioFlag ? scenarioFlag.replace(/,/g, '-') : `bench-${suite}`);
  const input: PlanInput = { label, scenarios };
  if (flags.out !== undefined) input.resultsDir = flags.out;
  if (flags.profile !== undefined) input.profile = parseProfiler(flags.profile);
  const engine = { ...(config?.engine ?? {}) };
  if (flags.maxPerWorker !== undefined) engine.maxPerWorker = one('--max-per-worker', flags.maxPerWorker);
  if (flags.serverHost !== undefined) engine.serverHost = flags.serverHost;
  if (flags.agents !== undefined) engine.agents = flags.agents.split(',').map((a) => a.trim()).filter(Boolean);
  input.engine = engine;
  return input;
}

/**
 * `--via nginx` is every nginx mode; `--via nginx-noheader,...` picks modes; `--net <conditions>`
 * adds one impaired network. Direct always comes first: each path is read against it.
 */
export function pathsFromFlags(via: string | undefined, net: string | undefined): string[] {
  const paths = ['direct'];
  for (const v of (via ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const modes = v === 'nginx' ? NGINX_PATHS : [v];
    for (const m of modes) {
      if (!NGINX_PATHS.includes(m)) throw new UserError(`--via "${v}" is not understood; --via takes nginx (every mode) or a comma list of ${NGINX_PATHS.join(', ')}`);
      if (!paths.includes(m)) paths.push(m);
    }
  }
  if (net !== undefined) paths.push(`net:${net}`);
  return paths;
}

/** idle and push always measure tcp-floor beside the servers asked for: the floor of every figure. */
function withFloor(s: ScenarioInput, floor: boolean): ScenarioInput {
  if (!floor || (s.kind !== 'idle' && s.kind !== 'push') || s.servers.includes(FLOOR)) return s;
  return { ...s, servers: [...s.servers, FLOOR] };
}

function applyFlags(s: ScenarioInput, f: RunFlags): ScenarioInput {
  const out: Record<string, unknown> = { ...s };
  if (f.servers !== undefined) out.servers = f.servers.split(',').map((x) => x.trim()).filter(Boolean);
  // browser: --clients is the one number of EventSources / WebSockets per page.
  if (f.clients !== undefined) {
    if (s.kind === 'browser') out.clientsPerPage = one('--clients', f.clients);
    else out.clients = numberList('--clients', f.clients);
  }
  if (f.repetitions !== undefined) out.repetitions = one('--repetitions', f.repetitions);
  if (f.ramp !== undefined) out.rampPerSecond = one('--ramp', f.ramp);
  const kind: Kind = s.kind;
  if (kind === 'idle') {
    if (f.hold !== undefined) out.holdMs = one('--hold', f.hold);
    if (f.settle !== undefined) out.settleMs = one('--settle', f.settle);
  }
  if (kind === 'push') {
    if (f.rate !== undefined) out.rates = numberList('--rate', f.rate);
    if (f.bytes !== undefined) out.bytes = numberList('--bytes', f.bytes);
    if (f.duration !== undefined) out.durationMs = one('--duration', f.duration);
    if (f.warmup !== undefined) out.warmupMs = one('--warmup', f.warmup);
    if (f.coalesce) out.coalesce = true;
    if (f.payload !== undefined) out.payload = f.payload;
    if (f.findKnee) out.findKnee = f.kneeThresholdMs !== undefined ? { thresholdMs: one('--knee-threshold-ms', f.kneeThresholdMs) } : {};
  }
  if (kind === 'upstream') {
    if (f.rate !== undefined) out.rates = numberList('--rate', f.rate);
    if (f.bytes !== undefined) out.bytes = numberList('--bytes', f.bytes);
    if (f.duration !== undefined) out.durationMs = one('--duration', f.duration);
    if (f.warmup !== undefined) out.warmupMs = one('--warmup', f.warmup);
    if (f.mode !== undefined) out.modes = f.mode.split(',').map((m) => m.trim());
    if (f.post !== undefined) out.posts = f.post.split(',').map((m) => m.trim());
    if (f.roomSize !== undefined) out.roomSize = one('--room-size', f.roomSize);
  }
  if (kind === 'sideload') {
    if (f.duration !== undefined) out.durationMs = one('--duration', f.duration);
    if (f.rate !== undefined) out.pushRate = one('--rate', f.rate);
  }
  if (kind === 'path') {
    if (f.rate !== undefined) out.rate = one('--rate', f.rate);
    if (f.bytes !== undefined) out.bytes = one('--bytes', f.bytes);
    if (f.duration !== undefined) out.durationMs = one('--duration', f.duration);
    if (f.via !== undefined || f.net !== undefined) out.paths = pathsFromFlags(f.via, f.net);
  }
  if (kind === 'browser') {
    if (f.rate !== undefined) out.rate = one('--rate', f.rate);
    if (f.bytes !== undefined) out.bytes = one('--bytes', f.bytes);
  }
  if (kind === 'reconnect') {
    if (f.rate !== undefined) out.rate = one('--rate', f.rate);
    if (f.bytes !== undefined) out.bytes = one('--bytes', f.bytes);
    if (f.mode !== undefined) out.modes = f.mode.split(',').map((m) => m.trim());
    if (f.fraction !== undefined) out.fraction = one('--fraction', f.fraction);
    if (f.downtime !== undefined) out.downtimeMs = one('--downtime', f.downtime);
    if (f.jitter === false) out.jitter = false;
    if (f.backoff) out.backoff = true;
  }
  return out as ScenarioInput;
}
