/** Machine-readable codes of the gateway's own error replies. */
export type GatewayErrorCode =
  | 'Unauthenticated'
  | 'Forbidden'
  | 'TaskNotFound'
  | 'BudgetExceeded'
  | 'EndpointNotConfigured'
  | 'UpstreamUnreachable'
  | 'ClientClosedRequest'
  | 'BadRequest';

/**
 * An error the gateway answers itself (not the upstream's): HTTP status, a code, and a message
 * that names the offending value and what to do. The route turns it into the error format of the
 * API called (OpenAI or Anthropic), so agent SDKs show the message.
 */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly status: number,
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
  }
  /** Extra reply headers (e.g. `www-authenticate`, `x-should-retry`). */
  readonly headers: Record<string, string>;
}
