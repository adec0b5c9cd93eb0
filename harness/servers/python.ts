// The Python servers: Debian's packages, run with /usr/bin/python3 (they import only there).
// Requirement checks look for the package's module folder: fast, no interpreter started.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Protocol } from '../../servers/contract.ts';
import { CONTRACT_STOP_GRACE_MS, type Requirement, type ServerSpec } from './spec.ts';

export const PYTHON = '/usr/bin/python3';
const DIST = '/usr/lib/python3/dist-packages';

function needs(pkg: string, module: string): Requirement {
  return { name: pkg, part: 'python', check: () => (existsSync(join(DIST, module)) ? null : `missing ${pkg} (npm run setup:system)`) };
}

/** /usr/bin/python3 itself (the parity test of pushcore.py asks this too). */
export const PYTHON_REQUIREMENT: Requirement = { name: 'python3', part: 'python', check: () => (existsSync(PYTHON) ? null : `missing ${PYTHON} (npm run setup:system)`) };
const python = PYTHON_REQUIREMENT;

function pythonServer(root: string, name: string, protocol: Protocol, pair: string | null, description: string, requires: Requirement[]): ServerSpec {
  return {
    name,
    protocol,
    language: 'python',
    pair,
    description,
    reportsHeap: false,
    processes: 1,
    launch: { command: PYTHON, args: [join(root, 'servers', 'python', `${name}.py`)], env: {}, cwd: root, stopGraceMs: CONTRACT_STOP_GRACE_MS },
    requires: [python, ...requires],
  };
}

export function pythonServers(root: string): ServerSpec[] {
  const fastapi = [needs('python3-fastapi', 'fastapi'), needs('python3-uvicorn', 'uvicorn'), needs('python3-websockets', 'websockets')];
  const aiohttp = [needs('python3-aiohttp', 'aiohttp')];
  const flask = [needs('python3-flask', 'flask')];
  return [
    pythonServer(root, 'fastapi-sse', 'sse', 'fastapi', 'FastAPI StreamingResponse on uvicorn, a queue per client', fastapi),
    pythonServer(root, 'fastapi-ws', 'ws', 'fastapi', 'FastAPI WebSocket route on uvicorn, a queue per client', fastapi),
    pythonServer(root, 'aiohttp-sse', 'sse', 'aiohttp', 'aiohttp StreamResponse, a queue per client', aiohttp),
    pythonServer(root, 'aiohttp-ws', 'ws', 'aiohttp', 'aiohttp WebSocketResponse, a queue per client', aiohttp),
    // Flask has no WebSocket support of its own, so neither Flask server has a WS twin. flask-sse
    // carries the pair name 'flask' (the family's reference SSE server); flask-sse-gunicorn gets
    // null: two SSE servers under one pair name would read as a matched SSE/WS pair.
    pythonServer(root, 'flask-sse', 'sse', 'flask', 'Flask generator response on the threaded dev server: a thread per stream', flask),
    pythonServer(root, 'flask-sse-gunicorn', 'sse', null, 'Flask generator response on gunicorn gthread (PUSHBENCH_GUNICORN_WORKERS/THREADS, default 1/4)', [
      ...flask,
      needs('gunicorn', 'gunicorn'),
    ]),
  ];
}
