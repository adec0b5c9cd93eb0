// Every process group the harness starts is registered here and ended on success, failure,
// Ctrl-C and SIGTERM. On a signal we end the children (SIGTERM, then SIGKILL after the grace
// period) and exit with 128+signal; on any exit we SIGKILL whatever is still registered.
const groups = new Map<number, string>();
let installed = false;
let shuttingDown = false;
const asyncStops = new Set<() => Promise<void>>();

/** Registers a process group leader (a child started detached). */
export function trackGroup(pid: number, label: string): void {
  installSignalHandlers();
  groups.set(pid, label);
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

/** Registers an async stop (e.g. a client pool) run on SIGINT/SIGTERM before exit. */
export function onShutdown(stop: () => Promise<void>): () => void {
  installSignalHandlers();
  asyncStops.add(stop);
  return () => asyncStops.delete(stop);
}

/** True once a signal started the shutdown (commands then stay quiet and let it exit). */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

export function trackedGroups(): number[] {
  return [...groups.keys()];
}

/** Sends a signal to a whole process group; false when it no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killAllNow(): void {
  for (const pid of groups.keys()) signalGroup(pid, 'SIGKILL');
  groups.clear();
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stderr.write(`\npushbench: ${signal} received, stopping every process it started\n`);
    void shutdown().finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal('SIGINT', 130));
  process.on('SIGTERM', onSignal('SIGTERM', 143));
  process.on('SIGHUP', onSignal('SIGHUP', 129));
}

async function shutdown(): Promise<void> {
  const stops = [...asyncStops].map((s) => s().catch(() => undefined));
  for (const pid of groups.keys()) signalGroup(pid, 'SIGTERM');
  await Promise.race([Promise.all(stops), delay(2000)]);
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && [...groups.keys()].some(groupAlive)) await delay(50);
  killAllNow();
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
