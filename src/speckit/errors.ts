/**
 * A Spec-Kit document that cannot be read as the templates define it. The message starts with
 * `file:line:` so an editor or an agent can jump to the offending line.
 */
export class SpecKitError extends Error {
  override readonly name = 'SpecKitError';
  /**
   * @param file the document's path as the caller named it
   * @param line 1-based line of the problem (0 when it concerns the whole document)
   * @param problem what is wrong, naming the offending value
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** A task id that no task in the document has (`get_task`, `set_task_status`, …). */
export class UnknownTaskError extends SpecKitError {
  /** @param known a few ids that do exist, for the message */
  constructor(file: string, readonly id: string, known: readonly string[]) {
    super(file, 0, `no task ${JSON.stringify(id)} (tasks: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''})`);
  }
}
