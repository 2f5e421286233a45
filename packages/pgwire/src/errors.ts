/** A protocol violation or limit breach. `code` is the SQLSTATE to report (08P01 protocol_violation by default). */
export class PgWireError extends Error {
  constructor(
    message: string,
    readonly code = '08P01',
  ) {
    super(message);
    this.name = 'PgWireError';
  }
}
