// PUSHBENCH_WITHOUT: which parts it hides, the one line for a misspelt part, and that the probes the
// product asks (system tools, server requirements) answer "hidden" whether or not the part is
// installed here, with the answer they would give without the switch in the same line.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { getServer } from './servers/registry.ts';
import { unavailableReason } from './servers/spec.ts';
import { hiddenParts, OPTIONAL_PARTS, partOfTool, withHidden } from './optional-parts.ts';
import { findSystemTool, locateSystemTool } from './system-tool.ts';

const outer = process.env.PUSHBENCH_WITHOUT;

/** Runs `fn` with PUSHBENCH_WITHOUT set to `value` (undefined: unset), then puts the outer value back. */
function under<T>(value: string | undefined, fn: () => T): T {
  if (value === undefined) delete process.env.PUSHBENCH_WITHOUT;
  else process.env.PUSHBENCH_WITHOUT = value;
  return fn();
}

describe('PUSHBENCH_WITHOUT', () => {
  afterEach(() => {
    if (outer === undefined) delete process.env.PUSHBENCH_WITHOUT;
    else process.env.PUSHBENCH_WITHOUT = outer;
  });

  it('names parts in a comma list, all of them with all; empty hides nothing', () => {
    assert.deepEqual([...hiddenParts({ PUSHBENCH_WITHOUT: ' nginx, python ,' })], ['nginx', 'python']);
    assert.deepEqual([...hiddenParts({ PUSHBENCH_WITHOUT: 'all' })], [...OPTIONAL_PARTS]);
    assert.deepEqual([...hiddenParts({ PUSHBENCH_WITHOUT: '' })], []);
    assert.deepEqual([...hiddenParts({})], []);
  });

  it('a misspelt part is a usage error naming every known part', () => {
    assert.throws(
      () => hiddenParts({ PUSHBENCH_WITHOUT: 'python,chrome' }),
      (err: Error & { exitCode?: number }) => {
        assert.equal(err.name, 'UserError');
        assert.equal(err.exitCode, 2);
        assert.equal(err.message, 'PUSHBENCH_WITHOUT: unknown part "chrome"; parts: python, nginx, chromium, netns, openssl, nchan, pushpin or all (a comma list, e.g. PUSHBENCH_WITHOUT=python,nginx)');
        return true;
      },
    );
  });

  it("a hidden part's reason says it is hidden, and whether it is usable without the switch", () => {
    under('nginx', () => {
      assert.equal(withHidden('nginx', null), 'nginx is hidden by PUSHBENCH_WITHOUT=nginx (installed here: unset PUSHBENCH_WITHOUT to use it)');
      assert.equal(withHidden('nginx', 'nginx is not installed: run npm run setup:system (as root)'), 'nginx is hidden by PUSHBENCH_WITHOUT=nginx (and not usable here either: nginx is not installed: run npm run setup:system (as root))');
      assert.equal(withHidden('python', 'missing python3-flask (npm run setup:system)'), 'missing python3-flask (npm run setup:system)', 'a part not hidden keeps its own answer');
      assert.equal(withHidden('python', null), null);
    });
  });

  it("a hidden part's tools are not found, wherever they are installed", () => {
    assert.deepEqual(['nginx', 'ip', 'nft', 'tc', 'ss', 'openssl', 'pushpin', 'condure', 'zurl', '/usr/bin/python3', 'sh'].map(partOfTool), ['nginx', 'netns', 'netns', 'netns', 'netns', 'openssl', 'pushpin', 'pushpin', 'pushpin', 'python', null]);
    under('all', () => {
      for (const tool of ['nginx', 'ip', 'tc', 'nft', 'ss', 'openssl', 'pushpin']) assert.equal(findSystemTool(tool), null, tool);
      assert.equal(findSystemTool('sh'), locateSystemTool('sh'), 'a tool of no part is found as ever');
      assert.notEqual(findSystemTool('sh'), null);
    });
  });

  it("a server's requirements answer hidden, with the answer they give without the switch", () => {
    const fastapi = getServer('fastapi-sse');
    const pushpin = getServer('pushpin-ws');
    const nchan = getServer('nchan-sse');
    const plain = under(undefined, () => [unavailableReason(fastapi), unavailableReason(pushpin), unavailableReason(nchan)]);
    const detail = (real: string | null) => (real === null ? 'installed here: unset PUSHBENCH_WITHOUT to use it' : `and not usable here either: ${real}`);
    under('python,pushpin,nchan', () => {
      assert.equal(unavailableReason(fastapi), `python is hidden by PUSHBENCH_WITHOUT=python,pushpin,nchan (${detail(plain[0]!)})`);
      assert.equal(unavailableReason(pushpin), `pushpin is hidden by PUSHBENCH_WITHOUT=python,pushpin,nchan (${detail(plain[1]!)})`);
      assert.equal(unavailableReason(nchan), `nchan is hidden by PUSHBENCH_WITHOUT=python,pushpin,nchan (${detail(plain[2]!)})`);
      assert.equal(unavailableReason(getServer('node-sse')), null);
    });
    // nginx hidden hides the nchan broker that runs inside it, under nginx's name.
    under('nginx', () => assert.match(unavailableReason(nchan) ?? '', /^nginx is hidden by PUSHBENCH_WITHOUT=nginx \(/));
  });
});
