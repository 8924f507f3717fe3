/**
 * Exact arithmetic on Kubernetes quantities, shared by every kind (MeshNode capacity sums, Workload
 * requests, quota checks). Results keep the format of the first non-zero operand, as
 * resource.Quantity.Add does, so "1Gi" + "512Mi" is "1536Mi" and "500m" + "1.5" is "2".
 */
import { formatQuantity, parseQuantity, type ParsedQuantity, type QuantityInput } from './quantity.js';

/** The format a result takes: the first non-zero operand's (DecimalSI when all are zero). */
function resultFormat(qs: readonly ParsedQuantity[]): ParsedQuantity['format'] {
  return qs.find((q) => q.nanos !== 0n)?.format ?? qs[0]?.format ?? 'DecimalSI';
}

/**
 * Sum of quantities as a ParsedQuantity (0 for an empty list).
 * @example sumQuantities(['1Gi', '512Mi']) // 1536Mi as a ParsedQuantity
 */
export function sumQuantities(inputs: readonly QuantityInput[]): ParsedQuantity {
  const qs = inputs.map((q) => parseQuantity(q));
  return { nanos: qs.reduce((n, q) => n + q.nanos, 0n), format: resultFormat(qs) };
}

/**
 * Adds quantities and returns the canonical string.
 * @example addQuantities('500m', '1.5') // "2"; addQuantities('1Gi', '512Mi') // "1536Mi"
 */
export function addQuantities(...inputs: QuantityInput[]): string {
  return formatQuantity(sumQuantities(inputs));
}

/**
 * `a - b` as a canonical string (may be negative; clamp with `maxQuantity(x, 0)` where that is wrong).
 * @example subtractQuantities('2', '500m') // "1500m"
 */
export function subtractQuantities(a: QuantityInput, b: QuantityInput): string {
  const [qa, qb] = [parseQuantity(a), parseQuantity(b)];
  return formatQuantity({ nanos: qa.nanos - qb.nanos, format: resultFormat([qa, qb]) });
}

/**
 * `q × factor` for a whole factor (replicas, GPU count), as a canonical string.
 * @example multiplyQuantity('250m', 4) // "1"
 */
export function multiplyQuantity(q: QuantityInput, factor: number): string {
  if (!Number.isSafeInteger(factor)) throw new RangeError(`factor ${factor} must be a whole number`);
  const p = parseQuantity(q);
  return formatQuantity({ nanos: p.nanos * BigInt(factor), format: p.format });
}

/**
 * Compares two quantities by value: -1 if a < b, 0 if equal (whatever their format), 1 if a > b.
 * @example compareQuantities('1Gi', '1024Mi') // 0; compareQuantities('500m', '1') // -1
 */
export function compareQuantities(a: QuantityInput, b: QuantityInput): -1 | 0 | 1 {
  const d = parseQuantity(a).nanos - parseQuantity(b).nanos;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Do the two quantities have the same value ("1Gi" and "1024Mi" do)? */
export function quantitiesEqual(a: QuantityInput, b: QuantityInput): boolean {
  return compareQuantities(a, b) === 0;
}

/** The larger of two quantities, canonical. */
export function maxQuantity(a: QuantityInput, b: QuantityInput): string {
  return formatQuantity(compareQuantities(a, b) >= 0 ? parseQuantity(a) : parseQuantity(b));
}

/** The smaller of two quantities, canonical. */
export function minQuantity(a: QuantityInput, b: QuantityInput): string {
  return formatQuantity(compareQuantities(a, b) <= 0 ? parseQuantity(a) : parseQuantity(b));
}

/**
 * Does `request` fit into `available` (request ≤ available)?
 * @example fitsIn('1500m', '2') // true
 */
export function fitsIn(request: QuantityInput, available: QuantityInput): boolean {
  return compareQuantities(request, available) <= 0;
}
