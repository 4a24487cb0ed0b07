/** A request that cannot be carried out, with the HTTP status that says why (sockets send just the message). */
export class RunError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
