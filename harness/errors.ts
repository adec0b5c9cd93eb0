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

/**
 * A server's answer that breaks the contract (servers/contract.ts): its message is the one line
 * naming the server, the endpoint, the field and what the contract wants. A runtime failure of
 * that server (exit 1), not a usage error: the config that named it was valid.
 */
export class ContractViolation extends UserError {
  constructor(
    readonly server: string,
    readonly endpoint: string,
    message: string,
  ) {
    super(message, EXIT.failure);
    this.name = 'ContractViolation';
  }
}
