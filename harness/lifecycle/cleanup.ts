// Every process group the harness starts is registered here and ended on success, failure,
// Ctrl-C and SIGTERM. On a signal we end the children (SIGTERM, then SIGKILL after the grace
// period), then run the interrupt hooks (a run writes what it measured), and exit with
// 128+signal; on any exit we SIGKILL whatever is still registered.
const groups = new Map<number, string>();
let installed = false;
let shuttingDown = false;
const asyncStops = new Set<() => Promise<void>>();
const interruptHooks = new Set<(signal: NodeJS.Signals) => Promise<void>>();

/** Exit codes of a process ended by a signal it handled: 128 + the signal's number. */
export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
/** How long the interrupt hooks may take (writing a result and its reports) before the process exits anyway. */
const INTERRUPT_HOOKS_MS = 60_000;

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

/**
 * Registers work for SIGINT/SIGTERM that must run after every child has been ended and before the
 * process exits (a run writes its finished steps). Returns the unregister function.
 */
export function onInterrupted(hook: (signal: NodeJS.Signals) => Promise<void>): () => void {
  installSignalHandlers();
  interruptHooks.add(hook);
  return () => interruptHooks.delete(hook);
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
  const onSignal = (signal: NodeJS.Signals) => () => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stderr.write(`\npushbench: ${signal} received, stopping every process it started\n`);
    void shutdown(signal).finally(() => process.exit(SIGNAL_EXIT[signal] ?? 1));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal(signal));
}

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  const stops = [...asyncStops].map((s) => s().catch(() => undefined));
  for (const pid of groups.keys()) signalGroup(pid, 'SIGTERM');
  await Promise.race([Promise.all(stops), delay(2000)]);
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && [...groups.keys()].some(groupAlive)) await delay(50);
  killAllNow();
  // Every child is gone: what a hook writes can no longer change under it.
  const hooks = [...interruptHooks].map((h) =>
    h(signal).catch((err: unknown) => {
      process.stderr.write(`pushbench: could not keep what was measured: ${err instanceof Error ? err.message : String(err)}\n`);
    }),
  );
  await Promise.race([Promise.all(hooks), delay(INTERRUPT_HOOKS_MS)]);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
