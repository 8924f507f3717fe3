import type { CallToolResult } from '@modelcontextprotocol/server';

/** The hints clients use to decide whether to ask a human before a call. */
export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
/** Adds content without removing any (create, append, add a note). */
export const ADDITIVE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
/** Changes existing content in place; the same call twice leaves the same result. */
export const IDEMPOTENT_WRITE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false } as const;

/**
 * A tool result carrying structured content (checked by the SDK against the tool's output schema)
 * and the same data as JSON text for clients that only read text.
 */
export function structured<T extends object>(value: T, summary?: string): CallToolResult & { structuredContent: T } {
  const text = summary ?? JSON.stringify(value);
  return { content: [{ type: 'text', text }], structuredContent: value as T & Record<string, unknown> };
}
