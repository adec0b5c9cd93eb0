// How N clients are spread over worker processes and source addresses, and the exact limits.
// Pure, so the limits can be tested and checked before anything starts.
import { UserError } from '../errors.ts';
import { ephemeralPorts as readEphemeralPorts, openFileCap } from '../environment.ts';

export interface ShardOptions {
  maxPerWorker: number;
  /** Force this many workers (0 = as many as needed). */
  workers?: number;
  /** Open-file cap of a client worker (default: this process's soft RLIMIT_NOFILE, inherited). */
  fdCap?: number;
  /** Open-file cap of the server process (default: the same as fdCap; children inherit it). */
  serverFdCap?: number;
  /**
   * Processes the server spreads its connections over (ServerSpec.processes, default 1): the
   * open-file cap applies to each, so a clustered server holds that many times one process's share.
   */
  serverProcesses?: number;
  ephemeralPorts?: number;
  /** Connections per explicit source address once spreading is needed. */
  perAddress?: number;
  /**
   * First source address when spreading: 127.0.0.<firstAddress>, then upwards, wrapping after .254.
   * The pool moves it on between runs: ports a closed run left in TIME_WAIT stay bound for 60 s,
   * and binding on those addresses again was measured here ~20× slower (19k connects: 16.5 s vs 0.8 s).
   */
  firstAddress?: number;
}

export interface Shard {
  clients: number;
  /** Source addresses and how many of this shard's connections use each (null = kernel picks). */
  addresses: { address: string | null; count: number }[];
}

export interface ShardLayout {
  shards: Shard[];
  sourceAddresses: number;
  /** Connections one worker may hold (its open-file cap less a reserve). */
  workerCap: number;
}

/** File descriptors a process keeps for itself (stdio, IPC, the event loop, the HTTP agent). */
export const FD_RESERVE = 100;
/** Ports kept free on the default source address for everything else on the machine. */
export const PORT_MARGIN = 1000;

/**
 * Connections one kernel-picked source address takes before connects slow down. Linux's connect()
 * prefers ports of one parity (the other half is bind()'s), so once about half the ephemeral range
 * is in use every connect scans for a port. Measured here (kernel 6.18, range 32768–60999): 1,000
 * connects took ~35 ms up to 14k connections, ~750 ms each thousand after. An explicit localAddress
 * (bind, then connect) stays as fast with ≤ 5,000 per address, and slows from ~7,000 per address.
 */
export function singleAddressLimit(ephemeralPorts: number): number {
  return Math.max(0, Math.floor(ephemeralPorts / 2) - PORT_MARGIN);
}
/** 127.0.0.1 … 127.0.0.254: loopback sources we use (.0 and .255 are not host addresses). */
export const MAX_SOURCE_ADDRESSES = 254;

export function shardClients(clients: number, opts: ShardOptions): ShardLayout {
  if (!Number.isInteger(clients) || clients <= 0) throw new UserError(`client count must be a positive integer, got ${clients}`);
  const fdCap = opts.fdCap ?? openFileCap();
  const serverFdCap = opts.serverFdCap ?? fdCap;
  const ports = opts.ephemeralPorts ?? readEphemeralPorts();
  const perAddress = opts.perAddress ?? 5000;
  positiveInt('maxPerWorker', opts.maxPerWorker);
  positiveInt('perAddress', perAddress);
  positiveInt('ephemeralPorts', ports);
  const firstAddress = opts.firstAddress ?? 1;
  if (!Number.isInteger(firstAddress) || firstAddress < 1 || firstAddress > MAX_SOURCE_ADDRESSES) throw new UserError(`firstAddress must be 1..${MAX_SOURCE_ADDRESSES}, got ${firstAddress}`);
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 0)) throw new UserError(`workers must be 0 (automatic) or a positive integer, got ${opts.workers}`);
  for (const [name, cap] of [['client', fdCap], ['server', serverFdCap]] as const) {
    if (!Number.isInteger(cap) || cap <= FD_RESERVE) {
      throw new UserError(`open files are capped at ${cap} per ${name} process here, at most the ${FD_RESERVE} descriptors a process keeps for itself: raise it with ulimit -n`);
    }
  }
  const serverProcesses = opts.serverProcesses ?? 1;
  positiveInt('serverProcesses', serverProcesses);
  const serverMax = (serverFdCap - FD_RESERVE) * serverProcesses;
  if (clients > serverMax && serverProcesses === 1) {
    throw new UserError(
      `--clients ${clients} is more than one server process can hold here: open files are capped at ${serverFdCap} per process, so at most ${serverMax} connections per server (${FD_RESERVE} descriptors kept for the server itself)`,
    );
  }
  if (clients > serverMax) {
    throw new UserError(
      `--clients ${clients} is more than ${serverProcesses} server processes can hold here: open files are capped at ${serverFdCap} per process, so at most ${serverMax} connections (${serverFdCap - FD_RESERVE} per process, ${FD_RESERVE} descriptors kept for each)`,
    );
  }
  const addressMax = MAX_SOURCE_ADDRESSES * perAddress;
  const spread = clients > singleAddressLimit(ports);
  if (spread && clients > addressMax) {
    throw new UserError(`--clients ${clients} needs more than ${MAX_SOURCE_ADDRESSES} source addresses at ${perAddress} per address: at most ${addressMax} clients`);
  }
  const workerCap = Math.min(opts.maxPerWorker, fdCap - FD_RESERVE);
  const workers = opts.workers && opts.workers > 0 ? opts.workers : Math.ceil(clients / workerCap);
  const shards: Shard[] = [];
  for (let w = 0; w < workers; w++) {
    const n = Math.floor(clients / workers) + (w < clients % workers ? 1 : 0);
    shards.push({ clients: n, addresses: [{ address: null, count: n }] });
  }
  // One address, the kernel picking ports, while connects stay fast (see singleAddressLimit);
  // beyond that, explicit source addresses with at most perAddress each.
  if (!spread) return { shards, sourceAddresses: 1, workerCap };
  let used = 0;
  let addressIndex = 1;
  const addressAt = (i: number): string => `127.0.0.${((firstAddress - 1 + i - 1) % MAX_SOURCE_ADDRESSES) + 1}`;
  for (const shard of shards) {
    shard.addresses = [];
    let left = shard.clients;
    while (left > 0) {
      if (used === perAddress) {
        addressIndex++;
        used = 0;
      }
      const take = Math.min(left, perAddress - used);
      shard.addresses.push({ address: addressAt(addressIndex), count: take });
      used += take;
      left -= take;
    }
  }
  return { shards, sourceAddresses: addressIndex, workerCap };
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new UserError(`${name} must be a positive integer, got ${v}`);
}
