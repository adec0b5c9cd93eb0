// Scenarios are data. This file is the edge: raw input (CLI flags, config file, suite defaults)
// is validated once into fully resolved plans; executors never see an optional field.
import { z } from 'zod';
import { PROFILERS } from '../harness/profiling/profilers.ts';
import { UserError } from '../harness/errors.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const durationMs = z.number().int().min(0).max(3_600_000);
const serverList = z.array(z.string().min(1)).min(1, 'name at least one server');

export const idleSchema = z
  .object({
    kind: z.literal('idle'),
    servers: serverList,
    clients: z.array(positiveInt).min(1),
    rampPerSecond: positiveInt.default(5000),
    settleMs: durationMs.default(1000),
    holdMs: durationMs.default(2000),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

export const pushSchema = z
  .object({
    kind: z.literal('push'),
    servers: serverList,
    clients: z.array(positiveInt).min(1),
    rates: z.array(z.number().positive().max(1_000_000)).min(1),
    bytes: z.array(nonNegativeInt.max(1_000_000)).min(1),
    durationMs: durationMs.default(3000),
    warmupMs: durationMs.default(500),
    repetitions: positiveInt.max(50).default(1),
    coalesce: z.boolean().default(false),
    rampPerSecond: positiveInt.default(5000),
    findKnee: z
      .object({ thresholdMs: z.number().positive().default(100), maxRate: z.number().positive().default(100_000), factor: z.number().gt(1).default(2) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export const reconnectSchema = z
  .object({
    kind: z.literal('reconnect'),
    servers: serverList,
    clients: z.array(positiveInt).min(1),
    modes: z.array(z.enum(['drop', 'restart', 'partial'])).min(1),
    // 20/s: at 10,000 clients that is 200k deliveries/s, already at this machine's ceiling.
    rate: z.number().positive().max(100_000).default(20),
    bytes: nonNegativeInt.max(1_000_000).default(128),
    fraction: z.number().gt(0).max(1).default(0.1),
    downtimeMs: durationMs.default(500),
    retryMs: nonNegativeInt.max(60_000).default(100),
    jitter: z.boolean().default(true),
    backoff: z.boolean().default(false),
    maxAttempts: positiveInt.max(1000).default(50),
    beforeMs: durationMs.default(1000),
    afterMs: durationMs.default(3000),
    recoverTimeoutMs: durationMs.default(30_000),
    rampPerSecond: positiveInt.default(5000),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

export const sideloadSchema = z
  .object({
    kind: z.literal('sideload'),
    servers: serverList,
    /** Streams held while the HTTP endpoint is loaded; a baseline with none is always measured first. */
    clients: z.array(positiveInt).min(1),
    pushRate: z.number().nonnegative().max(100_000).default(0),
    durationMs: durationMs.min(500).default(3000),
    connections: positiveInt.max(1000).default(10),
    path: z.string().startsWith('/').default('/healthz'),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

export const scenarioSchema = z.discriminatedUnion('kind', [idleSchema, pushSchema, reconnectSchema, sideloadSchema]);

export type IdleScenario = z.output<typeof idleSchema>;
export type PushScenario = z.output<typeof pushSchema>;
export type ReconnectScenario = z.output<typeof reconnectSchema>;
export type SideloadScenario = z.output<typeof sideloadSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export const engineSchema = z
  .object({
    maxPerWorker: positiveInt.max(19_000).default(15_000),
    /** Client workers; 0 = as many as the plan needs. */
    workers: nonNegativeInt.max(64).default(0),
    connectTimeoutMs: positiveInt.default(30_000),
    /** Calibration: each client worker spends this many µs of CPU per event (a slow reader). */
    clientBurnUsPerEvent: nonNegativeInt.max(100_000).default(0),
  })
  .strict();
export type EngineOptions = z.output<typeof engineSchema>;

export const planSchema = z
  .object({
    label: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, . _ - only (max 40)'),
    scenarios: z.array(scenarioSchema).min(1),
    engine: engineSchema.default(engineSchema.parse({})),
    resultsDir: z.string().min(1).default('results'),
    /** `--profile`: Node servers run under this clinic.js profiler (numbers then carry its overhead). */
    profile: z.enum(['none', ...PROFILERS]).default('none'),
  })
  .strict();

export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;

/** Validates raw input into a resolved plan, or throws one UserError listing every problem with its path. */
export function resolvePlan(input: unknown, source: string): Plan {
  const parsed = planSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new UserError(`invalid ${source}:\n${formatIssues(parsed.error.issues)}`);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}
