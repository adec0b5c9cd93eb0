// The user's config file: their own servers (benchmarked under the same contract), scenario
// overrides and compare thresholds. Validated once here; every problem is reported with its path.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../harness/errors.ts';
import { scenarioSchema, engineFields, formatIssues, type ScenarioInput } from '../scenarios/schema.ts';
import { PROTOCOLS } from '../servers/contract.ts';
import { CONTRACT_STOP_GRACE_MS, type ServerSpec } from '../harness/servers/spec.ts';
import { commandRequirement } from './requirements.ts';
import { brokerSpecs, userBrokerSchema } from './broker-config.ts';

const userServerSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, . _ - only (max 40)'),
    protocol: z.enum(PROTOCOLS),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().min(1).optional(),
    pair: z.string().min(1).nullable().default(null),
    description: z.string().default('user-defined server'),
    /** Processes that hold its connections (a clustered server): each may hold up to the open-file cap. */
    processes: z.number().int().positive().max(64).default(1),
  })
  .strict();

const configSchema = z
  .object({
    servers: z.array(userServerSchema).default([]),
    /** Broker targets: push servers driven through their own publish API (cli/broker-config.ts). */
    brokers: z.array(userBrokerSchema).default([]),
    scenarios: z.array(scenarioSchema).optional(),
    engine: engineFields.partial().optional(),
    thresholds: z.record(z.string(), z.number().positive()).default({}),
  })
  .strict();

/**
 * `scenarios` stays the user's input (validated here, resolved with the rest of the plan later):
 * resolving turns some fields into richer types that are not valid input a second time.
 */
export type ConfigFile = Omit<z.output<typeof configSchema>, 'scenarios'> & { scenarios?: ScenarioInput[]; path: string; userServers: ServerSpec[] };

export function loadConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UserError(`config file ${path} does not exist`);
    throw new UserError(`config file ${path} is not valid JSON: ${e.message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`invalid config file ${path}:\n${formatIssues(parsed.error.issues)}`);
  const base = dirname(resolve(path));
  const userServers: ServerSpec[] = parsed.data.servers.map((s) => {
    const cwd = s.cwd === undefined ? base : isAbsolute(s.cwd) ? s.cwd : resolve(base, s.cwd);
    return {
      name: s.name,
      protocol: s.protocol,
      language: 'custom',
      pair: s.pair,
      description: s.description,
      reportsHeap: false,
      processes: s.processes,
      launch: { command: s.command, args: s.args, env: s.env, cwd, stopGraceMs: CONTRACT_STOP_GRACE_MS },
      requires: [commandRequirement(s.command, cwd)],
    };
  });
  userServers.push(...parsed.data.brokers.flatMap((b) => brokerSpecs(b, base)));
  const { scenarios: _resolved, ...rest } = parsed.data;
  const scenarios = (raw as { scenarios?: ScenarioInput[] }).scenarios;
  return { ...rest, ...(scenarios === undefined ? {} : { scenarios }), path, userServers };
}
