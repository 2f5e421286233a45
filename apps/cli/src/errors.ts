import { EXIT } from '@hoop/protocol';

/** An expected failure: printed as one line, exits with its code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usage = (message: string) => new CliError(EXIT.usage, message);
export const unreachable = (message: string) => new CliError(EXIT.unreachable, message);
