// How N clients are spread over worker processes and source addresses, and the exact limits.
// Pure, so the limits can be tested and checked before anything starts.
import { UserError } from '../errors.ts';
import { ephemeralPorts as readEphemeralPorts, openFileCap } from '../environment.ts';

export interface ShardOptions {
  maxPerWorker: number;
  /** Force this many workers (0 = as many as needed). */
  workers?: number;
  fdCap?: number;
  ephemeralPorts?: number;
  /** Connections per explicit source address once spreading is needed. */
  perAddress?: number;
}

export interface Shard {
  clients: number;
  /** Source addresses and how many of this shard's connections use each (null = kernel picks). */
  addresses: { address: string | null; count: number }[];
}

export interface ShardPlan {
  shards: Shard[];
  sourceAddresses: number;
  /** Connections one worker may hold (its open-file cap less a reserve). */
  workerCap: number;
}

/** File descriptors a process keeps for itself (stdio, IPC, the event loop, the HTTP agent). */
export const FD_RESERVE = 100;
/** Ports kept free on the default source address for everything else on the machine. */
const PORT_MARGIN = 1000;

export function planShards(clients: number, opts: ShardOptions): ShardPlan {
  if (!Number.isInteger(clients) || clients <= 0) throw new UserError(`client count must be a positive integer, got ${clients}`);
  const fdCap = opts.fdCap ?? openFileCap();
  const ports = opts.ephemeralPorts ?? readEphemeralPorts();
  const perAddress = opts.perAddress ?? 5000;
  const serverMax = fdCap - FD_RESERVE;
  if (clients > serverMax) {
    throw new UserError(
      `--clients ${clients} is more than one server process can hold here: open files are capped at ${fdCap} per process, so at most ${serverMax} connections per server (${FD_RESERVE} descriptors kept for the server itself)`,
    );
  }
  const workerCap = Math.min(opts.maxPerWorker, fdCap - FD_RESERVE);
  const workers = opts.workers && opts.workers > 0 ? opts.workers : Math.ceil(clients / workerCap);
  const shards: Shard[] = [];
  for (let w = 0; w < workers; w++) {
    const n = Math.floor(clients / workers) + (w < clients % workers ? 1 : 0);
    shards.push({ clients: n, addresses: [{ address: null, count: n }] });
  }
  // One address (the kernel picks ports, fastest) while its ephemeral ports last; an explicit
  // localAddress makes every connect search for a port, so spread only beyond that.
  if (clients <= ports - PORT_MARGIN) return { shards, sourceAddresses: 1, workerCap };
  let used = 0;
  let addressIndex = 1;
  for (const shard of shards) {
    shard.addresses = [];
    let left = shard.clients;
    while (left > 0) {
      if (used === perAddress) {
        addressIndex++;
        used = 0;
      }
      if (addressIndex > 254) throw new UserError(`--clients ${clients} needs more than 254 source addresses at ${perAddress} per address`);
      const take = Math.min(left, perAddress - used);
      shard.addresses.push({ address: `127.0.0.${addressIndex}`, count: take });
      used += take;
      left -= take;
    }
  }
  return { shards, sourceAddresses: addressIndex, workerCap };
}
