/**
 * Runs `fn` over `items`, at most `concurrency` at a time, starting them in order. After the first
 * failure no further item is started; the calls in flight settle, then the first error is thrown.
 * @example await forEachPooled(files, 4, (f) => upload(f));
 */
export async function forEachPooled<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.err;
}
