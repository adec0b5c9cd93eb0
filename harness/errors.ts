// Errors a user can act on: one readable line naming the problem and the fix, and an exit code.
// Anything else is a bug and is printed with its stack.
export const EXIT = {
  ok: 0,
  /** Runtime failure: a server that never became ready, a run that could not complete. */
  failure: 1,
  /** Usage: invalid config, unknown server or scenario, impossible client counts. */
  usage: 2,
} as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
