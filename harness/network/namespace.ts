// The imperfect network: a network namespace joined to the host by a veth pair, with loss (nft)
// and bandwidth (tbf) applied on the veth. The server under test runs inside the namespace and
// binds its .2 address; the harness reaches it over the veth, normally through the delay proxy
// (delay-proxy.ts), because the kernel here has no netem to delay packets.
//
//   clients ── 127.0.0.1 ── delay proxy ── host veth (.1, tbf) ══ ns veth0 (.2, tbf + nft) ── server
//
// Everything a path creates lives in, or is attached to, its namespace, so deleting the namespace
// removes the veth pair, its addresses and routes, the nft table and both qdiscs at once.
//
// Use it like this, so a failure anywhere still removes the namespace:
//
//   const path = await createNetworkPath(conditions);
//   try {
//     const launch = path.wrapLaunch(spec.launch.command, spec.launch.args);
//     const server = await startServer({ ...spec, launch: { ...spec.launch, ...launch } }, { host: path.serverHost, inNamespace: true });
//     try { ... } finally { await server.stop(); }
//   } finally {
//     await path.remove();
//   }
//
// On top of that, remove() runs on Ctrl-C/SIGTERM (cleanup.ts onShutdown), a synchronous removal
// runs on any process exit (an uncaught exception, process.exit) in case the finally never ran,
// and removeStaleNamespaces() clears what a SIGKILLed harness left behind.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EXIT, UserError } from '../errors.ts';
import { onShutdown } from '../lifecycle/cleanup.ts';
import { networkUnavailableReason, resolveTool, type NetTool } from './availability.ts';
import type { NetConditions } from './conditions.ts';

export interface NetworkPath {
  /** Namespace name, `pb<pid>n<counter>`. */
  name: string;
  /** The namespace's address: what the server binds and what the harness (or its proxy) connects to. */
  serverHost: string;
  /** The host side's address on the veth. */
  hostAddress: string;
  /** The host side's veth interface name. */
  hostInterface: string;
  conditions: NetConditions;
  /** The same command, run inside the namespace (`ip netns exec` execs in place: same pid and group). */
  wrapLaunch(command: string, args: string[]): { command: string; args: string[] };
  /** Ends processes still inside, deletes the namespace and waits until its veth is gone. Idempotent. */
  remove(): Promise<void>;
}

/** The namespace side of the veth; interface names are per namespace, so this never clashes. */
export const NS_INTERFACE = 'veth0';
const NAME_RE = /^pb(\d+)n(\d+)$/;
/** Linux interface names are at most 15 characters (IFNAMSIZ - 1). */
const IFNAME_MAX = 15;
/** Grace for processes left in a namespace before SIGKILL; the same as a server's stop grace. */
const PROCESS_GRACE_MS = 2000;

let counter = 0;

export async function createNetworkPath(conditions: NetConditions): Promise<NetworkPath> {
  const reason = networkUnavailableReason();
  if (reason !== null) throw new UserError(reason, EXIT.usage);
  await removeStaleNamespaces();

  const n = counter++;
  const name = `pb${process.pid}n${n}`;
  let hostInterface = `pb${process.pid}h${n}`;
  // A 7-digit pid leaves 5 digits for the counter; base 36 keeps even absurd counters within 15.
  if (hostInterface.length > IFNAME_MAX) hostInterface = `pb${process.pid.toString(36)}h${n.toString(36)}`;
  const { hostAddress, serverHost } = await pickSubnet(process.pid, n);

  let removing: Promise<void> | null = null;
  let unregisterShutdown = (): void => undefined;
  // Last resort on any exit (uncaught exception, process.exit): only synchronous work runs there.
  const onExit = (): void => removeNamespaceSync(name);
  const remove = (): Promise<void> => {
    removing ??= (async () => {
      unregisterShutdown();
      process.off('exit', onExit);
      await removeNamespace(name, PROCESS_GRACE_MS);
      // The kernel tears a namespace down asynchronously; wait so "removed" means the veth is gone.
      const deadline = Date.now() + 3000;
      while (existsSync(`/sys/class/net/${hostInterface}`) && Date.now() < deadline) await delay(20);
    })();
    return removing;
  };
  // Registered before the first command so a failure or signal half-way through removes it too.
  process.on('exit', onExit);
  unregisterShutdown = onShutdown(remove);

  try {
    await run('ip', ['netns', 'add', name]);
    // The peer is created directly inside the namespace, so only the host side needs a unique name.
    await run('ip', ['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', NS_INTERFACE, 'netns', name]);
    await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]);
    await run('ip', ['link', 'set', hostInterface, 'up']);
    await run('ip', ['-n', name, 'addr', 'add', `${serverHost}/30`, 'dev', NS_INTERFACE]);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', name, 'link', 'set', NS_INTERFACE, 'up']);
    if (conditions.lossPercent > 0) {
      await run('ip', ['netns', 'exec', name, resolved('nft'), '-f', '-'], lossRuleset(conditions.lossPercent));
    }
    if (conditions.rateKbit !== null) {
      const tbf = tbfArgs(conditions.rateKbit);
      // Namespace egress shapes server → clients, host egress shapes clients → server.
      await run('ip', ['netns', 'exec', name, resolved('tc'), 'qdisc', 'add', 'dev', NS_INTERFACE, 'root', ...tbf]);
      await run('tc', ['qdisc', 'add', 'dev', hostInterface, 'root', ...tbf]);
    }
  } catch (err) {
    await remove();
    throw err;
  }

  return {
    name,
    serverHost,
    hostAddress,
    hostInterface,
    conditions,
    wrapLaunch: (command, args) => ({ command: resolved('ip'), args: ['netns', 'exec', name, command, ...args] }),
    remove,
  };
}

/**
 * nft rules dropping lossPercent % of the packets entering and of those leaving the namespace
 * through the veth, so each direction loses about that share (a request/answer pair about twice
 * it). `mod 10000` gives 0.01 % steps. The `inet` family leaves ARP alone, so the link itself
 * stays up and only IP traffic is lost.
 */
export function lossRuleset(lossPercent: number): string {
  const threshold = Math.round(lossPercent * 100);
  return [
    'table inet pushbench_loss {',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname "${NS_INTERFACE}" numgen random mod 10000 < ${threshold} drop`,
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    `    oifname "${NS_INTERFACE}" numgen random mod 10000 < ${threshold} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * tbf parameters for a rate:
 * - burst (the bucket) must hold at least one full frame, else MTU packets could never pass,
 *   and at least what the rate delivers in one timer tick, else tbf cannot reach the rate on a
 *   coarse-timer kernel; 10 ms covers HZ=100. Anything larger lets bursts leave at veth speed
 *   and blurs the shape, so it is the larger of those two and no more.
 * - latency bounds the queue (limit = rate × latency + burst). Too short and one TCP window is
 *   dropped at once, measuring the shaper instead of a link; too long adds bufferbloat on top of
 *   the asked-for delay. 50 ms is a typical access-link buffer; slow rates get room for ten
 *   full frames instead, capped at 2 s.
 */
export function tbfParams(rateKbit: number): { burstBytes: number; latencyMs: number } {
  const bytesPerMs = (rateKbit * 1000) / 8 / 1000;
  const burstBytes = Math.max(Math.ceil(bytesPerMs * 10), 2 * 1514);
  const tenFramesMs = Math.ceil((10 * 1514) / bytesPerMs);
  const latencyMs = Math.min(Math.max(50, tenFramesMs), 2000);
  return { burstBytes, latencyMs };
}

function tbfArgs(rateKbit: number): string[] {
  const { burstBytes, latencyMs } = tbfParams(rateKbit);
  return ['tbf', 'rate', `${rateKbit}kbit`, 'burst', String(burstBytes), 'latency', `${latencyMs}ms`];
}

/**
 * Deletes namespaces left by harness processes that no longer exist (a SIGKILLed run cannot clean
 * up after itself), with any process still inside them. Returns the names it deleted. A pid that
 * was reused by another process keeps its namespace until that process is gone too: erring on
 * the side of never deleting a live run's network.
 */
export async function removeStaleNamespaces(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listNamespaces()) {
    const m = NAME_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    await removeNamespace(name, 0);
    removed.push(name);
  }
  return removed;
}

/** Names from `ip netns list` (its lines may carry " (id: N)"). */
export async function listNamespaces(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((l) => l !== '');
}

/**
 * Processes still inside keep a namespace (and its veth) alive after its name is deleted, so
 * they are ended first: SIGTERM, SIGKILL after the grace. They can only be processes this
 * harness started there.
 */
async function removeNamespace(name: string, graceMs: number): Promise<void> {
  let pids = await namespacePids(name);
  if (pids.length > 0 && graceMs > 0) {
    for (const pid of pids) signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (pids.length > 0 && Date.now() < deadline) {
      await delay(50);
      pids = await namespacePids(name);
    }
  }
  for (const pid of pids) signal(pid, 'SIGKILL');
  await run('ip', ['netns', 'delete', name]).catch((err: unknown) => {
    // Already gone (a second remove, or a run racing us on a stale one) is what we wanted.
    if (!(err instanceof UserError && /No such file|not found/i.test(err.message))) throw err;
  });
}

function removeNamespaceSync(name: string): void {
  const ip = resolveTool('ip');
  if (ip === null) return;
  try {
    const out = execFileSync(ip, ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const pid of parsePids(out)) signal(pid, 'SIGKILL');
  } catch {
    // no such namespace: nothing inside to end
  }
  try {
    execFileSync(ip, ['netns', 'delete', name], { stdio: 'ignore' });
  } catch {
    // already deleted
  }
}

async function namespacePids(name: string): Promise<number[]> {
  try {
    return parsePids(await run('ip', ['netns', 'pids', name]));
  } catch {
    return [];
  }
}

function parsePids(out: string): number[] {
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((p) => Number.isInteger(p) && p > 0);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * 10.x.y.0/30 with x in 200..255 and y in 0..255: host .1, namespace .2. The slot comes from
 * pid × 8 + counter, so runs with nearby pids (started in parallel) never share one as long as
 * each keeps fewer than 8 paths at a time. A slot overlapping a local address or a route of /16 or
 * narrower (a real LAN, another run's veth) is skipped for the next; broader routes (VPN or cloud
 * aggregates) are shadowed only for these four addresses, on purpose.
 */
async function pickSubnet(pid: number, n: number): Promise<{ hostAddress: string; serverHost: string }> {
  const taken = await takenRanges();
  const slots = 56 * 256;
  for (let i = 0; i < slots; i++) {
    const slot = (pid * 8 + n + i) % slots;
    const base = ((10 << 24) | ((200 + Math.floor(slot / 256)) << 16) | ((slot % 256) << 8)) >>> 0;
    if (taken.some((r) => overlaps(r, { base, prefix: 30 }))) continue;
    return { hostAddress: toDotted(base + 1), serverHost: toDotted(base + 2) };
  }
  throw new UserError('no free /30 left in 10.200.0.0-10.255.255.255 for a network path: delete leftover namespaces (ip netns list)', EXIT.failure);
}

interface Range {
  base: number;
  prefix: number;
}

async function takenRanges(): Promise<Range[]> {
  const ranges: Range[] = [];
  const routes = await run('ip', ['-4', '-o', 'route', 'show']);
  for (const line of routes.split('\n')) {
    const r = parseCidr(line.trim().split(/\s+/)[0] ?? '');
    if (r && r.prefix >= 16) ranges.push(r);
  }
  const addrs = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (const m of addrs.matchAll(/inet (\d+\.\d+\.\d+\.\d+)/g)) {
    const r = parseCidr(m[1] ?? '');
    if (r) ranges.push({ base: r.base, prefix: 32 });
  }
  return ranges;
}

function parseCidr(s: string): Range | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(s);
  if (!m) return null;
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  return { base, prefix: m[5] === undefined ? 32 : Number(m[5]) };
}

function overlaps(a: Range, b: Range): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

function toDotted(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function resolved(tool: NetTool): string {
  const path = resolveTool(tool);
  if (path === null) throw new UserError(networkUnavailableReason() ?? `${tool} not found`, EXIT.usage);
  return path;
}

/** Runs a network tool; a failure is one line with the command and the tool's own complaint. */
function run(tool: NetTool, args: string[], input?: string): Promise<string> {
  const file = resolved(tool);
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (stderr.trim().split('\n')[0] ?? '') || err.message;
      reject(new UserError(`network setup failed: ${tool} ${args.join(' ')}: ${why}`, EXIT.failure));
    });
    // A tool that exits without reading stdin (every one but `nft -f -`) must not turn into an
    // EPIPE error; its exit status already says whether it worked.
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
