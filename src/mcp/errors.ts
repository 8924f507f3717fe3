/**
 * A tool call that cannot be served as asked. The SDK turns a thrown error into a tool result with
 * `isError: true` and this message, so the message names the argument, the value and what is allowed.
 */
export class ToolError extends Error {
  override readonly name: string = 'ToolError';
  /**
   * @param argument the tool argument at fault (`path`, `id`, …), or undefined
   * @param message what is wrong, naming the value and what is allowed
   */
  constructor(
    readonly argument: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(argument ? `${argument}: ${message}` : message, options);
  }
}

/** The server was not started with the permission the tool needs (`--allow-write`). */
export class PermissionError extends ToolError {
  override readonly name = 'PermissionError';
}

/** A bad `weft mcp` flag value (exit code 2, as other usage errors). */
export class McpConfigError extends Error {
  override readonly name = 'McpConfigError';
}
