/**
 * A bad command-line flag or configuration value. The CLI prints the message and exits 2, as
 * Kubernetes components do for usage errors.
 */
export class FlagError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    // A missing flag is not an invalid value: "--name: is required: …" reads as what to do.
    super(message.startsWith('is required') ? `${flag}: ${message}` : `invalid value for ${flag}: ${message}`);
    this.name = 'FlagError';
  }
}
