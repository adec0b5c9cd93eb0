// Starts a server under test as its own process group, waits for /healthz, and stops it
// (SIGTERM, then SIGKILL of the group after the contract's 2 s).
import { execa, type ResultPromise } from 'execa';
import { DEFAULTS, ENV } from '../../servers/contract.ts';
import type { ServerSpec } from '../servers/spec.ts';
import { ContractViolation, UserError } from '../errors.ts';
import { checkProtocol, forgetServer, getHealth, nameServer } from '../control.ts';
import { signalGroup, trackGroup, untrackGroup, groupAlive } from './cleanup.ts';
import { assertPortFree, freePort } from './ports.ts';
import { TailBuffer } from './tail-buffer.ts';
import { withOutputTail } from '../../result/reason.ts';

export interface StartOptions {
  host?: string;
  /** A fixed port (checked first); default: a free one. */
  port?: number;
  /** Extra environment, e.g. PUSHBENCH_* knobs. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Copy the server's stderr to ours (the `serve` command). */
  inheritStderr?: boolean;
  /**
   * The server runs in a network namespace the harness just made (harness/network) and `host` is
   * that namespace's address. It is not an address of this host, so the port cannot be probed
   * here; nothing else listens in a brand-new namespace, so a fixed port is free by construction.
   */
  inNamespace?: boolean;
  /**
   * Check the first /healthz answer against the contract (default true): a violation stops the
   * server and throws its one line. `pushbench conform` turns it off to report every rule itself.
   */
  checkContract?: boolean;
  /**
   * When the server is ready, instead of /healthz. A broker target speaks no contract, so its
   * launcher asks the broker's own status endpoint or its listening port (harness/broker).
   */
  ready?: (baseUrl: string) => Promise<boolean>;
}

export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  host: string;
  port: number;
  baseUrl: string;
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<void>;
  /** Last lines the server wrote to stderr/stdout. */
  tail(): string;
  /**
   * How the process ended when it ended by itself, not through stop() or kill() ("signal SIGKILL",
   * "code 1"): a server that died under a step. Null while it runs, and after a stop or kill.
   */
  exitedOnItsOwn(): string | null;
  stop(): Promise<void>;
  /** SIGKILL of the whole group, no grace (the reconnect `restart` mode). */
  kill(): Promise<void>;
}

/** The port a server in a fresh network namespace gets when none is asked for. */
export const NAMESPACE_PORT = 8080;

export async function startServer(spec: ServerSpec, opts: StartOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? DEFAULTS.host;
  let port: number;
  if (opts.inNamespace) {
    port = opts.port ?? NAMESPACE_PORT;
  } else if (opts.port !== undefined) {
    await assertPortFree(host, opts.port);
    port = opts.port;
  } else {
    port = await freePort(host);
  }
  await spec.launch.prepare?.();
  const tail = new TailBuffer(30);
  const child: ResultPromise = execa(spec.launch.command, spec.launch.args, {
    cwd: spec.launch.cwd,
    env: { ...spec.launch.env, ...opts.env, [ENV.host]: host, [ENV.port]: String(port) },
    extendEnv: true,
    detached: true, // its own process group, so stop() reaches every process it forks
    cleanup: false, // we own cleanup (cleanup.ts), including for detached children
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const r = await child;
    throw new UserError(`server ${spec.name} could not be started (${spec.launch.command}): ${r.message ?? 'no pid'}`, 1);
  }
  trackGroup(pid, spec.name);
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => {
    tail.push(c);
    if (opts.inheritStderr) process.stderr.write(c);
  });
  let exitedFlag = false;
  let exitDescription = '';
  // Set before the harness signals the group: an exit after it is the harness's doing.
  let stopRequested = false;
  let ownExit: string | null = null;
  // The leader's own exit, not `exited` below: that waits for its output pipes too, which children
  // it forked (cluster workers) may hold open after it died.
  child.once('exit', (code, signal) => {
    if (!stopRequested) ownExit = signal ? `signal ${signal}` : `code ${code}`;
  });
  const exited = child.then((r) => {
    exitedFlag = true;
    exitDescription = r.signal ? `killed by ${r.signal}` : `exited with code ${r.exitCode}`;
  });

  const baseUrl = `http://${host}:${port}`;
  nameServer(baseUrl, spec.name);
  const stopGroup = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    stopRequested = true;
    if (!exitedFlag || groupAlive(pid)) {
      signalGroup(pid, signal);
      // The grace timer is cleared once the group exits: a profiled server's 2-minute grace must not
      // keep the harness alive after the server is gone.
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<boolean>((r) => (graceTimer = setTimeout(() => r(true), graceMs)));
      const timedOut = await Promise.race([exited.then(() => false), grace]);
      clearTimeout(graceTimer);
      if (timedOut || groupAlive(pid)) signalGroup(pid, 'SIGKILL');
      await exited;
      // Children of the server in the same group may outlive the leader by a moment.
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await delay(20);
      if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
    }
    untrackGroup(pid);
    forgetServer(baseUrl);
  };
  const running: RunningServer = {
    spec,
    pid,
    host,
    port,
    baseUrl,
    exited,
    tail: () => tail.text(),
    exitedOnItsOwn: () => ownExit,
    stop: () => stopGroup('SIGTERM', spec.launch.stopGraceMs),
    kill: () => stopGroup('SIGKILL', spec.launch.stopGraceMs),
  };

  const timeoutMs = opts.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedFlag) {
      await running.stop();
      throw new UserError(withOutputTail(`server ${spec.name} ${exitDescription} before it became ready`, tail.text()), 1);
    }
    if (opts.ready) {
      if (await opts.ready(baseUrl).catch(() => false)) return running;
    } else {
      // Not answering (yet), or answering non-200, is "not ready"; a 200 that breaks the contract is
      // an answer, and waiting longer would not change it.
      const answer = await getHealth(baseUrl, 500).then(
        (health) => ({ health }),
        (err: unknown) => (err instanceof ContractViolation ? { violation: err } : null),
      );
      if (answer) {
        if (opts.checkContract !== false) {
          try {
            if ('violation' in answer) throw answer.violation;
            checkProtocol(baseUrl, answer.health, spec.protocol);
          } catch (err) {
            await running.stop();
            throw err;
          }
        }
        return running;
      }
    }
    if (Date.now() > deadline) {
      await running.stop();
      throw new UserError(withOutputTail(`server ${spec.name} did not ${opts.ready ? 'become ready at' : 'answer'} ${baseUrl}${opts.ready ? '' : '/healthz'} within ${timeoutMs} ms`, tail.text()), 1);
    }
    await delay(50);
  }
}


function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
