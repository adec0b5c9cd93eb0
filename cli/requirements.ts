// Requirement checks for servers whose launch command may be missing on this machine.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Requirement } from '../servers/spec.ts';

export function commandRequirement(command: string, cwd: string): Requirement {
  return {
    name: command,
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
