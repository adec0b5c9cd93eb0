// Server knobs from the environment (CONTRACT.md "Launch"), read once at start.
import { DEFAULTS, ENV, type Protocol } from '../contract.ts';
import { parseFaults, type FaultConfig } from './faults.ts';

export interface CoreConfig {
  protocol: Protocol;
  host: string;
  port: number;
  ring: number;
  heartbeatMs: number;
  retryMs: number;
  /** False (PUSHBENCH_RETRY_FIELD=0): streams start without a retry hint. */
  retryField: boolean;
  coalesce: boolean;
  seqStart: number;
  faults: FaultConfig;
}

export function readCoreConfig(protocol: Protocol, env: NodeJS.ProcessEnv = process.env): CoreConfig {
  return {
    protocol,
    host: env[ENV.host] || DEFAULTS.host,
    port: intFrom(env, ENV.port, 0, 0),
    ring: intFrom(env, ENV.ring, DEFAULTS.ring, 1),
    heartbeatMs: intFrom(env, ENV.heartbeatMs, DEFAULTS.heartbeatMs, 1),
    retryMs: intFrom(env, ENV.retryMs, DEFAULTS.retryMs, 0),
    retryField: env[ENV.retryField] !== '0',
    coalesce: env[ENV.coalesce] === '1',
    seqStart: intFrom(env, ENV.seqStart, 1, 1),
    faults: parseFaults(env[ENV.fault]),
  };
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    // A server that silently ignored a bad knob would measure something else than asked.
    throw new Error(`${name}=${raw} is not an integer >= ${min}`);
  }
  return n;
}
