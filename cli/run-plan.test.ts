// The plans `pushbench run` builds from its flags. The default plan in both worlds: with the
// optional parts every write-up server and nginx path is planned to run; without them each is
// planned as skipped with its reason, never dropped. The two worlds are given as probes (the
// product's own probes answer for whichever world this machine is). And `--scenario browser`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPlanInput } from './run-options.ts';
import { nginxUnavailableReason } from '../harness/proxy/nginx.ts';
import { getServer } from '../harness/servers/registry.ts';
import { unavailableReason } from '../harness/servers/spec.ts';
import { planAvailability, PRODUCT_PROBES, type Probes } from '../scenarios/availability.ts';
import { skipReason } from '../scenarios/path.ts';
import { browserSchema, resolvePlan, type Plan } from '../scenarios/schema.ts';
import { WRITE_UP_SCENARIOS } from '../scenarios/suites.ts';

const WRITE_UP_SERVERS = ['fastapi-sse', 'aiohttp-sse', 'flask-sse'];

function defaultPlan(flags: Record<string, string> = {}): Plan {
  return resolvePlan(buildPlanInput({ suite: 'default', ...flags }, null), 'flags');
}

const resolved = (plan: Plan) => plan.scenarios.map((scenario) => ({ scenario, specs: scenario.servers.map(getServer) }));

/** The parts installed: every server and path can run (the path rules that are not about parts still apply). */
const present: Probes = {
  server: () => null,
  path: (spec, path) => (path.kind === 'nginx' && spec.protocol !== 'sse' && path.label !== 'nginx' ? 'the header modes concern SSE' : null),
};
/** No optional part: the reasons the product's probes give on such a machine. */
const absent: Probes = {
  server: (spec) => (spec.language === 'python' ? `missing python3-${spec.name.split('-')[0]} (npm run setup:system)` : null),
  path: (_spec, path) => (path.kind === 'nginx' ? 'nginx is not installed: run npm run setup:system (as root)' : null),
};

describe('the default plan and the optional parts', () => {
  it("includes the write-up's idle, push and nginx path entries, each naming its servers exactly", () => {
    const plan = defaultPlan();
    const idle = plan.scenarios.find((s) => s.kind === 'idle' && s.servers.includes('fastapi-sse'));
    assert.ok(idle && idle.kind === 'idle');
    assert.deepEqual(idle.servers, [...WRITE_UP_SERVERS, 'tcp-floor']);
    assert.ok(idle.clients.every((n) => n >= 2000), 'a few thousand connections');
    const push = plan.scenarios.find((s) => s.kind === 'push' && s.servers.includes('fastapi-sse'));
    assert.ok(push && push.kind === 'push');
    assert.deepEqual(push.servers, ['fastapi-sse', 'aiohttp-sse'], 'no floor added: each server is compared with itself across rates');
    assert.ok(push.rates.length >= 2);
    const path = plan.scenarios.find((s) => s.kind === 'path');
    assert.ok(path && path.kind === 'path');
    assert.deepEqual(path.servers, ['fastapi-sse']);
    assert.deepEqual(path.paths.map((p) => p.label), ['direct', 'nginx', 'nginx-noheader']);
  });

  it('leaves them out when the run picks its scenarios, servers or client counts', () => {
    const picks: Record<string, string>[] = [{ scenario: 'idle' }, { servers: 'node-sse,node-ws' }, { clients: '500' }, { scenario: 'path' }];
    for (const flags of picks) {
      const plan = defaultPlan(flags);
      assert.ok(!plan.scenarios.some((s) => s.servers.includes('fastapi-sse')), JSON.stringify(flags));
    }
    // --scenario path still gets the path scenario's own defaults (every nginx mode, Node servers).
    const path = defaultPlan({ scenario: 'path' }).scenarios[0]!;
    assert.ok(path.kind === 'path');
    assert.deepEqual(path.servers, ['node-sse', 'node-ws', 'express-sse', 'express-ws']);
    assert.deepEqual(path.paths.map((p) => p.label), ['direct', 'nginx', 'nginx-noheader', 'nginx-nobuffer', 'nginx-stock']);
    assert.equal(WRITE_UP_SCENARIOS.length, 3);
  });

  it('with the parts installed: every write-up server and its nginx paths are planned to run', () => {
    const a = planAvailability(resolved(defaultPlan()), present);
    assert.deepEqual([...a.skipped], []);
    assert.deepEqual(a.pathSkips, []);
    const running = new Set(a.runnable.flatMap((r) => r.servers.map((s) => s.name)));
    for (const name of WRITE_UP_SERVERS) assert.ok(running.has(name), name);
  });

  it('without them: each write-up server is planned as skipped with its reason, and so are its nginx paths', () => {
    const a = planAvailability(resolved(defaultPlan()), absent);
    assert.deepEqual([...a.skipped], [
      ['fastapi-sse', 'missing python3-fastapi (npm run setup:system)'],
      ['aiohttp-sse', 'missing python3-aiohttp (npm run setup:system)'],
      ['flask-sse', 'missing python3-flask (npm run setup:system)'],
    ]);
    assert.deepEqual(a.pathSkips, [
      { server: 'fastapi-sse', path: 'nginx', reason: 'nginx is not installed: run npm run setup:system (as root)' },
      { server: 'fastapi-sse', path: 'nginx-noheader', reason: 'nginx is not installed: run npm run setup:system (as root)' },
    ]);
    // The Node servers still run, and nothing planned is lost: each server runs or is skipped.
    for (const r of a.runnable) {
      for (const name of r.scenario.servers) assert.ok(r.servers.some((s) => s.name === name) || a.skipped.has(name), `${r.scenario.kind} ${name}`);
    }
    assert.ok(a.runnable.some((r) => r.servers.some((s) => s.name === 'node-sse')));
  });

  it("on this machine the product's probes decide, whichever world it is", () => {
    const a = planAvailability(resolved(defaultPlan()));
    assert.equal(PRODUCT_PROBES.server, unavailableReason);
    for (const name of WRITE_UP_SERVERS) {
      const reason = unavailableReason(getServer(name));
      assert.equal(a.skipped.get(name) ?? null, reason, name);
    }
    const fastapi = getServer('fastapi-sse');
    const expected = unavailableReason(fastapi) === null || nginxUnavailableReason() === null ? [] : ['nginx', 'nginx-noheader'];
    assert.deepEqual(a.pathSkips.map((k) => k.path), expected);
    for (const k of a.pathSkips) assert.equal(k.reason, skipReason(fastapi, { kind: 'nginx', label: k.path, serverHeader: k.path === 'nginx', buffering: true, stock: false }));
  });
});

describe('browser scenario flags', () => {
  it('`--scenario browser` runs the four Node servers with defaults, no tcp-floor added', () => {
    const plan = resolvePlan(buildPlanInput({ scenario: 'browser', suite: 'default' }, null), 'flags');
    const s = plan.scenarios[0];
    assert.ok(s && s.kind === 'browser');
    assert.deepEqual(s.servers, ['node-sse', 'node-ws', 'express-sse', 'express-ws']);
    assert.equal(s.clientsPerPage, 3);
    assert.equal(s.events, 20);
    assert.equal(s.rate, 50);
    assert.equal(s.retryMs, 700);
  });

  it('--clients sets the clients per page; a drop after the whole replay schedule is refused', () => {
    const plan = resolvePlan(buildPlanInput({ scenario: 'browser', suite: 'default', clients: '2', servers: 'node-sse' }, null), 'flags');
    assert.equal(plan.scenarios[0]?.kind === 'browser' && plan.scenarios[0].clientsPerPage, 2);
    assert.throws(() => browserSchema.parse({ kind: 'browser', servers: ['node-sse'], replayEvents: 5, dropAfter: 5 }), /dropAfter must be below replayEvents/);
  });
});
