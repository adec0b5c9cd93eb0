// The seam between the executors and what they measure. A contract server broadcasts on its own
// schedule when asked (/control/broadcast) and counts its connections in /healthz; a broker target
// is published to by the harness on the harness's schedule (publish-run.ts) and counted by its own
// status endpoint or /proc. The executors see one interface and do not know which one they drive.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, type BroadcastRequest, type HealthBody } from '../../servers/contract.ts';
import type { ServerSpec } from '../servers/spec.ts';
import { getHealth, postBroadcast } from '../control.ts';
import { startServer, type RunningServer, type StartOptions } from '../lifecycle/server-process.ts';
import type { ValidityCheck } from '../../result/result.ts';
import { startCustomBroker } from './custom.ts';
import { startNchan } from './nchan.ts';
import { PublishRun, type PublishReport } from './publish-run.ts';
import { startPushpin } from './pushpin.ts';
import type { RunningBroker } from './running.ts';

export interface StepTarget extends Pick<RunningServer, 'spec' | 'pid' | 'host' | 'port' | 'baseUrl' | 'exited' | 'tail' | 'exitedOnItsOwn'> {
  /** Where subscribers connect when it is not the contract's path (a user's broker). */
  path?: string;
  /** The last seq sent so far (0 before the first). */
  lastSeq(): Promise<number>;
  /** Starts a fixed-rate broadcast of `count` events and returns once it is under way. */
  broadcast(req: BroadcastRequest): Promise<void>;
  health(): Promise<Pick<HealthBody, 'connections' | 'tcpConnections'>>;
  /** Checks about the last broadcast that only the harness can make (a broker's publishes). */
  windowChecks(): Promise<ValidityCheck[]>;
  stop(): Promise<void>;
}

/** A contract server as a step target: every call one of its control endpoints. */
export function contractTarget(server: RunningServer): StepTarget {
  return {
    spec: server.spec,
    pid: server.pid,
    host: server.host,
    port: server.port,
    baseUrl: server.baseUrl,
    exited: server.exited,
    tail: server.tail,
    exitedOnItsOwn: server.exitedOnItsOwn,
    lastSeq: async () => (await getHealth(server.baseUrl)).lastSeq ?? 0,
    broadcast: (req) => postBroadcast(server.baseUrl, req),
    health: () => getHealth(server.baseUrl),
    windowChecks: async () => [],
    stop: () => server.stop(),
  };
}

/** How long a broadcast's last publishes may take after the schedule ended before the step gives up on them. */
const PUBLISH_SETTLE_MS = 10_000;

/** A running broker as a step target: the harness publishes, seqs continue across broadcasts. */
export function brokerTarget(b: RunningBroker): StepTarget {
  let lastSeq = 0;
  let current: { run: PublishRun; count: number } | null = null;
  return {
    spec: b.server.spec,
    pid: b.server.pid,
    host: b.server.host,
    port: b.server.port,
    baseUrl: b.server.baseUrl,
    exited: b.server.exited,
    tail: b.server.tail,
    exitedOnItsOwn: b.server.exitedOnItsOwn,
    path: b.subscribePath,
    lastSeq: async () => lastSeq,
    broadcast: async (req) => {
      if (current) {
        current.run.stop();
        await current.run.done;
      }
      const run = new PublishRun(b.publisher, { rate: req.rate, count: req.count, bytes: req.bytes, firstSeq: lastSeq + 1 });
      lastSeq += req.count;
      current = { run: run.start(), count: req.count };
    },
    health: async () => ({ connections: await b.connections() }),
    windowChecks: async () => {
      if (!current) return [];
      const { run, count } = current;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const report = await Promise.race([run.done, new Promise<null>((r) => (timer = setTimeout(() => r(null), PUBLISH_SETTLE_MS)))]);
      clearTimeout(timer);
      if (report === null) run.stop();
      return [publishCheck(report, count)];
    },
    stop: async () => {
      current?.run.stop();
      await b.stop();
    },
  };
}

export function publishCheck(report: PublishReport | null, count: number): ValidityCheck {
  if (report === null) return { name: 'publishes accepted', ok: false, detail: `the broker had not accepted all ${count} publishes ${PUBLISH_SETTLE_MS / 1000} s after the schedule ended` };
  const lag = `publish requests started at most ${(report.maxStartLagNs / 1e6).toFixed(1)} ms after their t0`;
  return {
    name: 'publishes accepted',
    ok: report.failed === 0 && report.published === count,
    detail: report.failed === 0 ? `${report.published} of ${count} events published, ${lag}` : `${report.failed} of ${count} publishes failed (first: ${report.firstError}); ${lag}`,
  };
}

let stepFolders = 0;

/** Starts what a step measures: a contract server, or a broker with its config in the run folder. */
export async function startTarget(spec: ServerSpec, opts: StartOptions & { workDir: string }): Promise<StepTarget> {
  const broker = spec.broker;
  if (broker === undefined) return contractTarget(await startServer(spec, opts));
  // The built-in brokers' configs bind 127.0.0.1, a user's broker binds what its own config says.
  if (opts.host !== undefined && opts.host !== DEFAULTS.host) throw new Error(`${spec.name} is a broker target and listens on ${DEFAULTS.host} only; --server-host ${opts.host} (load agents on other hosts) cannot reach it`);
  const dir = join(opts.workDir, 'brokers', `${spec.name}-${++stepFolders}`);
  mkdirSync(dir, { recursive: true });
  switch (broker.kind) {
    case 'nchan':
      return brokerTarget(await startNchan(spec, dir));
    case 'pushpin':
      return brokerTarget(await startPushpin(spec, dir));
    case 'custom':
      return brokerTarget(await startCustomBroker(spec));
  }
}
