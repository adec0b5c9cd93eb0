import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shardClients } from './shards.ts';

const here = { maxPerWorker: 15000, fdCap: 20000, ephemeralPorts: 28232 };

it('one worker and the kernel-picked source address for a small run', () => {
  const p = shardClients(1000, here);
  assert.deepEqual(p.shards, [{ clients: 1000, addresses: [{ address: null, count: 1000 }] }]);
  assert.equal(p.sourceAddresses, 1);
  assert.equal(p.workerCap, 15000);
});

it('splits evenly over workers of at most maxPerWorker', () => {
  const p = shardClients(19000, here);
  assert.deepEqual(
    p.shards.map((s) => s.clients),
    [9500, 9500],
  );
  const forced = shardClients(301, { ...here, workers: 2 });
  assert.deepEqual(
    forced.shards.map((s) => s.clients),
    [151, 150],
  );
});

it('spreads over 127.0.0.x with at most 5000 per address', () => {
  const p = shardClients(60000, { maxPerWorker: 15000, fdCap: 100000, ephemeralPorts: 28232 });
  assert.equal(p.shards.length, 4);
  assert.equal(p.sourceAddresses, 12);
  const perAddress = new Map<string, number>();
  for (const s of p.shards) for (const a of s.addresses) perAddress.set(a.address!, (perAddress.get(a.address!) ?? 0) + a.count);
  assert.equal([...perAddress.values()].reduce((a, b) => a + b), 60000);
  assert.ok([...perAddress.values()].every((n) => n <= 5000));
  assert.equal(perAddress.get('127.0.0.1'), 5000);
  assert.equal(perAddress.get('127.0.0.12'), 5000);
});

it('names the exact maximum when one server process cannot hold the clients', () => {
  assert.throws(() => shardClients(25000, here), {
    message: '--clients 25000 is more than one server process can hold here: open files are capped at 20000 per process, so at most 19900 connections per server (100 descriptors kept for the server itself)',
  });
  assert.doesNotThrow(() => shardClients(19900, here));
});

it('rejects zero, negative and fractional counts', () => {
  for (const n of [0, -5, 1.5]) assert.throws(() => shardClients(n, here), { message: `client count must be a positive integer, got ${n}` });
});

it('rejects a worker size, address size or open-file cap that cannot hold anything', () => {
  assert.throws(() => shardClients(10, { ...here, maxPerWorker: 0 }), { message: 'maxPerWorker must be a positive integer, got 0' });
  assert.throws(() => shardClients(10, { ...here, perAddress: -1 }), { message: 'perAddress must be a positive integer, got -1' });
  assert.throws(() => shardClients(10, { ...here, fdCap: 100 }), {
    message: 'open files are capped at 100 per client process here, at most the 100 descriptors a process keeps for itself: raise it with ulimit -n',
  });
});

it('a server with a lower open-file cap than the clients sets the maximum', () => {
  assert.throws(() => shardClients(5000, { ...here, serverFdCap: 4096 }), {
    message: '--clients 5000 is more than one server process can hold here: open files are capped at 4096 per process, so at most 3996 connections per server (100 descriptors kept for the server itself)',
  });
  assert.equal(shardClients(3996, { ...here, serverFdCap: 4096 }).shards[0]!.clients, 3996);
});

it('names the maximum when even 254 source addresses are not enough', () => {
  assert.throws(() => shardClients(30000, { maxPerWorker: 15000, fdCap: 1_000_000, ephemeralPorts: 28232, perAddress: 100 }), {
    message: '--clients 30000 needs more than 254 source addresses at 100 per address: at most 25400 clients',
  });
  const p = shardClients(25400, { maxPerWorker: 15000, fdCap: 1_000_000, ephemeralPorts: 20000, perAddress: 100 });
  assert.equal(p.sourceAddresses, 254);
});

it('keeps one kernel-picked address up to half the ephemeral ports less the margin, spreads one past it', () => {
  const edge = shardClients(13116, { ...here, maxPerWorker: 10000 });
  assert.equal(edge.sourceAddresses, 1);
  assert.ok(edge.shards.every((s) => s.addresses.length === 1 && s.addresses[0]!.address === null));
  const past = shardClients(13117, { ...here, maxPerWorker: 10000 });
  assert.equal(past.sourceAddresses, 3);
  assert.deepEqual(past.shards.map((s) => s.clients), [6559, 6558]);
  assert.deepEqual(past.shards[0]!.addresses, [
    { address: '127.0.0.1', count: 5000 },
    { address: '127.0.0.2', count: 1559 },
  ]);
  // Shard 1 continues the address shard 0 left half-used.
  assert.deepEqual(past.shards[1]!.addresses, [
    { address: '127.0.0.2', count: 3441 },
    { address: '127.0.0.3', count: 3117 },
  ]);
});

it('19,000 clients here: two workers over four addresses of at most 5,000', () => {
  const p = shardClients(19000, here);
  assert.equal(p.sourceAddresses, 4);
  assert.deepEqual(
    p.shards.map((s) => s.addresses),
    [
      [
        { address: '127.0.0.1', count: 5000 },
        { address: '127.0.0.2', count: 4500 },
      ],
      [
        { address: '127.0.0.2', count: 500 },
        { address: '127.0.0.3', count: 5000 },
        { address: '127.0.0.4', count: 4000 },
      ],
    ],
  );
});

it('starts spreading at the asked address and wraps after 127.0.0.254', () => {
  const p = shardClients(14000, { ...here, firstAddress: 253 });
  assert.deepEqual(p.shards[0]!.addresses, [
    { address: '127.0.0.253', count: 5000 },
    { address: '127.0.0.254', count: 5000 },
    { address: '127.0.0.1', count: 4000 },
  ]);
  assert.equal(p.sourceAddresses, 3);
  assert.throws(() => shardClients(14000, { ...here, firstAddress: 255 }), { message: 'firstAddress must be 1..254, got 255' });
});

it('a clustered server holds its processes times one process share', () => {
  const p = shardClients(50000, { ...here, serverProcesses: 4 });
  assert.deepEqual(
    p.shards.map((s) => s.clients),
    [12500, 12500, 12500, 12500],
  );
  assert.equal(p.sourceAddresses, 10);
  assert.doesNotThrow(() => shardClients(79600, { ...here, serverProcesses: 4 }));
  assert.throws(() => shardClients(79601, { ...here, serverProcesses: 4 }), {
    message: '--clients 79601 is more than 4 server processes can hold here: open files are capped at 20000 per process, so at most 79600 connections (19900 per process, 100 descriptors kept for each)',
  });
  assert.throws(() => shardClients(10, { ...here, serverProcesses: 0 }), { message: 'serverProcesses must be a positive integer, got 0' });
});
