// Requirement checks for servers whose launch command may be missing on this machine.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Requirement } from '../harness/servers/spec.ts';
import { partOfTool } from '../harness/optional-parts.ts';

/**
 * The user's command must exist. A command that is one of the optional parts' tools (`nginx`,
 * `pushpin`, `python3`, ...) belongs to that part, so PUSHBENCH_WITHOUT hides it like the built-in
 * servers that need it.
 */
export function commandRequirement(command: string, cwd: string): Requirement {
  const part = partOfTool(command);
  return {
    name: command,
    ...(part === null ? {} : { part }),
    check: () => (findExecutable(command, cwd) ? null : `command not found: ${command}`),
  };
}

function findExecutable(command: string, cwd: string): string | null {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}
