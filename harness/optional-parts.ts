// The optional system parts (npm run setup:system) and the switch that hides them.
// `PUSHBENCH_WITHOUT=python,nginx,...` (or `all`) makes a machine that has the parts behave exactly
// like one that has not: every availability probe of the product asks `hiddenBy` first, so the same
// servers, paths and checks skip, each with a reason that says the part is hidden (not missing), so
// nobody reinstalls what is there. CI runs the tests in both worlds on one machine this way.
// The variable is read on every probe (not cached): a test can set it for one child process.
import { UserError } from './errors.ts';

export const OPTIONAL_PARTS = ['python', 'nginx', 'chromium', 'netns', 'openssl', 'nchan', 'pushpin'] as const;
export type OptionalPart = (typeof OPTIONAL_PARTS)[number];

export const WITHOUT_ENV = 'PUSHBENCH_WITHOUT';

/** What each part is, for `doctor` and the README. */
export const PART_CONTENTS: Record<OptionalPart, string> = {
  python: "/usr/bin/python3 and Debian's python3-fastapi/uvicorn/websockets/aiohttp/flask, gunicorn (the Python servers)",
  nginx: 'nginx (path --via nginx; the nchan broker runs inside it)',
  chromium: 'headless Chromium (scenario browser, the report checks)',
  netns: "root, iproute2 (ip, tc, ss) and nftables (path --net, agents in namespaces; conform's backlog rule reads ss)",
  openssl: "openssl (node-sse-h2's throw-away TLS certificate for the browser scenario)",
  nchan: 'the nchan module of nginx (nchan-sse, nchan-ws)',
  pushpin: 'pushpin with condure and zurl (pushpin-sse, pushpin-ws)',
};

/** The system tools each part brings: a hidden part's tools are "not found" to findSystemTool. */
const TOOL_PART: Record<string, OptionalPart> = {
  python3: 'python',
  nginx: 'nginx',
  chromium: 'chromium',
  ip: 'netns',
  nft: 'netns',
  tc: 'netns',
  ss: 'netns',
  openssl: 'openssl',
  pushpin: 'pushpin',
  condure: 'pushpin',
  zurl: 'pushpin',
};

/** The parts PUSHBENCH_WITHOUT hides; an unknown name is a usage error naming the known ones. */
export function hiddenParts(env: NodeJS.ProcessEnv = process.env): ReadonlySet<OptionalPart> {
  const raw = (env[WITHOUT_ENV] ?? '').trim();
  const hidden = new Set<OptionalPart>();
  if (raw === '') return hidden;
  for (const item of raw.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    if (item === 'all') OPTIONAL_PARTS.forEach((p) => hidden.add(p));
    else if ((OPTIONAL_PARTS as readonly string[]).includes(item)) hidden.add(item as OptionalPart);
    else throw new UserError(`${WITHOUT_ENV}: unknown part "${item}"; parts: ${OPTIONAL_PARTS.join(', ')} or all (a comma list, e.g. ${WITHOUT_ENV}=python,nginx)`);
  }
  return hidden;
}

/** The optional part a system tool belongs to, or null for a tool that is no optional part. */
export function partOfTool(tool: string): OptionalPart | null {
  const base = tool.slice(tool.lastIndexOf('/') + 1);
  return TOOL_PART[base] ?? null;
}

export function isHidden(part: OptionalPart): boolean {
  return hiddenParts().has(part);
}

/**
 * A probe's answer under the switch: `realReason` (why the part cannot be used when nothing is
 * hidden, or null) when the part is not hidden; otherwise one line saying it is hidden, and whether
 * it would be usable if it were not, so the reader knows whether to unset the variable or install.
 */
export function withHidden(part: OptionalPart, realReason: string | null): string | null {
  if (!isHidden(part)) return realReason;
  const setting = `${WITHOUT_ENV}=${(process.env[WITHOUT_ENV] ?? '').trim()}`;
  return realReason === null
    ? `${part} is hidden by ${setting} (installed here: unset ${WITHOUT_ENV} to use it)`
    : `${part} is hidden by ${setting} (and not usable here either: ${realReason})`;
}
