/**
 * Just enough Kubernetes quantity arithmetic for summing node capacity: parse to a number of base
 * units (cores or bytes), add, format back. Malformed input throws with the value named.
 */
const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses "500m", "1.5", "16Gi", "1e3" into a number of base units. */
export function parseQuantityNumber(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim());
  if (!m) throw new Error(`"${q}" is not a Kubernetes quantity (e.g. 500m, 2, 16Gi)`);
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

/** Formats cores: whole numbers plain, else millicores. */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes with the largest exact binary suffix. */
export function formatBytes(bytes: number): string {
  const b = Math.round(bytes);
  for (const [u, p] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) if (b >= p && b % p === 0) return `${b / p}${u}`;
  return String(b);
}

/** Adds quantities of one resource, formatted like its first operand's family (cores or bytes). */
export function addQuantities(kind: 'cpu' | 'bytes', ...qs: Array<string | number>): string {
  const total = qs.reduce<number>((n, q) => n + parseQuantityNumber(q), 0);
  return kind === 'cpu' ? formatCpu(total) : formatBytes(total);
}

/** Compares two quantities: negative if a < b, 0 if equal, positive if a > b. */
export function compareQuantities(a: string | number, b: string | number): number {
  return parseQuantityNumber(a) - parseQuantityNumber(b);
}
