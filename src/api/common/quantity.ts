/**
 * Kubernetes resource quantities ("4", "500m", "16Gi", "1e3"), exact: values are held as a BigInt
 * count of nano-units (10^-9, the finest precision Kubernetes keeps), so "0.1" + "0.2" is "300m",
 * never 0.30000000000000004. Parsing and canonical formatting follow k8s.io/apimachinery's
 * resource.Quantity; arithmetic lives in quantity-math.ts.
 */

/** How a quantity prints: `DecimalSI` ("1500m", "2k"), `BinarySI` ("1536Mi") or `DecimalExponent` ("1e3"). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `nanos` × 10^-9 base units (cores, bytes, GPUs…), and the format it prints in. */
export interface ParsedQuantity {
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

/** What the quantity functions accept: a quantity string, a JSON number (int-or-string fields), or a ParsedQuantity. */
export type QuantityInput = string | number | ParsedQuantity;

/** A malformed quantity; `value` is what was given. */
export class QuantityError extends Error {
  constructor(
    readonly value: unknown,
    detail = 'use a number with an optional suffix: n u m k M G T P E (decimal), Ki Mi Gi Ti Pi Ei (binary) or e<exponent>, e.g. 500m, 2, 16Gi, 1e3',
  ) {
    super(`${JSON.stringify(value)} is not a Kubernetes quantity: ${detail}`);
    this.name = 'QuantityError';
  }
}

const NANO = 10n ** 9n;
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXPONENT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX = new Map(Object.entries(DECIMAL_EXPONENT).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = new Map([[0, ''], ...Object.entries(BINARY_EXPONENT).map(([s, e]) => [e, s] as [number, string])]);
// "1E" is one exa, "1E3" is 1000: an exponent needs digits after the e.
const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
/** Larger exponents are refused rather than expanded into enormous integers. */
const MAX_EXPONENT = 100;

/** 10^n as a BigInt. */
const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** a / b rounded away from zero (Kubernetes rounds sub-nano precision up: asking for some gets some). */
function divideAwayFromZero(a: bigint, b: bigint): bigint {
  const q = a / b;
  if (a % b === 0n) return q;
  return a < 0n ? q - 1n : q + 1n;
}

/** The parts of a quantity string, or the reason it is not one. */
function scan(text: string): { negative: boolean; digits: bigint; scale: number; binary: number; format: QuantityFormat } {
  const m = QUANTITY_RE.exec(text);
  if (!m) throw new QuantityError(text);
  const [, sign, number, exponent, suffix = ''] = m;
  const [whole = '', fraction = ''] = number!.split('.');
  const exp = exponent !== undefined ? Number(exponent) : 0;
  if (Math.abs(exp) > MAX_EXPONENT) throw new QuantityError(text, `exponent ${exp} is out of range (-${MAX_EXPONENT}..${MAX_EXPONENT})`);
  const binary = BINARY_EXPONENT[suffix] ?? 0;
  const format: QuantityFormat = exponent !== undefined ? 'DecimalExponent' : binary ? 'BinarySI' : 'DecimalSI';
  const scale = exp + (DECIMAL_EXPONENT[suffix] ?? 0) - fraction.length;
  return { negative: sign === '-', digits: BigInt(`${whole}${fraction}` || '0'), scale, binary, format };
}

/**
 * Parses a quantity. Throws a QuantityError that names the value and the allowed forms.
 * @example parseQuantity('1.5Gi') // { nanos: 1610612736000000000n, format: 'BinarySI' }
 */
export function parseQuantity(input: QuantityInput): ParsedQuantity {
  if (typeof input === 'object' && input !== null && typeof input.nanos === 'bigint') return input;
  if (typeof input === 'number') return parseNumber(input);
  if (typeof input !== 'string') throw new QuantityError(input, 'expected a string or a number');
  const { negative, digits, scale, binary, format } = scan(input);
  const scaled = digits * 2n ** BigInt(binary);
  const shift = scale + 9;
  const nanos = shift >= 0 ? scaled * pow10(shift) : divideAwayFromZero(scaled, pow10(-shift));
  return { nanos: negative ? -nanos : nanos, format };
}

/** JSON numbers in int-or-string fields (e.g. `cpu: 4`) are decimal quantities. */
function parseNumber(n: number): ParsedQuantity {
  if (!Number.isFinite(n)) throw new QuantityError(n, 'expected a finite number');
  if (Number.isSafeInteger(n)) return { nanos: BigInt(n) * NANO, format: 'DecimalSI' };
  return { ...parseQuantity(String(n)), format: 'DecimalSI' };
}

/** Is `input` a well-formed quantity? */
export function isQuantity(input: unknown): boolean {
  try {
    parseQuantity(input as QuantityInput);
    return true;
  } catch {
    return false;
  }
}

/**
 * The canonical Kubernetes string for a quantity, as the apiserver and `kubectl` print it: no
 * fractional digits, the largest suffix that loses no precision, binary suffixes only for whole
 * values of at least 1024.
 * @example formatQuantity(parseQuantity('1.5')) // "1500m"; '0.5Gi' → "512Mi"; '1000' → "1k"; '1e3' → "1e3"
 */
export function formatQuantity(q: ParsedQuantity): string {
  if (q.nanos === 0n) return '0';
  const sign = q.nanos < 0n ? '-' : '';
  const abs = q.nanos < 0n ? -q.nanos : q.nanos;
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    let units = abs / NANO;
    let exp = 0;
    while (exp < 60 && units % 1024n === 0n) [units, exp] = [units / 1024n, exp + 10];
    return `${sign}${units}${BINARY_SUFFIX.get(exp)!}`;
  }
  let mantissa = abs;
  let exp = -9;
  // DecimalSI has no suffix past E (10^18): larger values keep a longer mantissa, e.g. "1000E".
  while (mantissa % 1000n === 0n && (q.format === 'DecimalExponent' || exp < 18)) [mantissa, exp] = [mantissa / 1000n, exp + 3];
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  return `${sign}${mantissa}${DECIMAL_SUFFIX.get(exp)!}`;
}

/**
 * Canonical form of a quantity string: what the apiserver would store for a core resource.
 * @example canonicalQuantity('0.5') // "500m"
 */
export function canonicalQuantity(input: QuantityInput): string {
  return formatQuantity(parseQuantity(input));
}

/**
 * A quantity as a JavaScript number of base units (cores, bytes). Exact up to 2^53; use it for
 * scoring and display, and the quantity functions for sums and comparisons.
 * @example parseQuantityNumber('500m') // 0.5; parseQuantityNumber('1Gi') // 1073741824
 */
export function parseQuantityNumber(input: QuantityInput): number {
  const { nanos } = parseQuantity(input);
  return Number(nanos / NANO) + Number(nanos % NANO) / 1e9;
}

/**
 * A quantity in whole base units, rounded up (Kubernetes' `Value()`): bytes, GPUs, pods.
 * @example quantityValue('1Gi') // 1073741824n; quantityValue('1500m') // 2n
 */
export function quantityValue(input: QuantityInput): bigint {
  return divideAwayFromZero(parseQuantity(input).nanos, NANO);
}

/**
 * A quantity in thousandths of a base unit, rounded up (Kubernetes' `MilliValue()`): millicores.
 * @example quantityMilliValue('1.5') // 1500n
 */
export function quantityMilliValue(input: QuantityInput): bigint {
  return divideAwayFromZero(parseQuantity(input).nanos, 10n ** 6n);
}

/**
 * A quantity as a JS number of milli-units (scale 1000, e.g. millicores) or whole units (scale 1,
 * e.g. bytes), rounded up; errors name `field` (`spec.resources.cpu: "x" is not a Kubernetes quantity…`).
 */
export function quantityUnits(q: QuantityInput, scale: 1 | 1000, field: string): number {
  let n: bigint;
  try {
    n = scale === 1000 ? quantityMilliValue(q) : quantityValue(q);
  } catch (err) {
    throw new Error(`${field}: ${(err as Error).message}`, { cause: err });
  }
  if (n < 0n) throw new Error(`${field}: ${JSON.stringify(q)} must not be negative`);
  return Number(n);
}

/** A quantity of `units` base units in the given format (e.g. bytes as BinarySI). */
export function quantityOf(units: number | bigint, format: QuantityFormat = 'DecimalSI'): ParsedQuantity {
  if (typeof units === 'bigint') return { nanos: units * NANO, format };
  return { ...parseNumber(units), format };
}

/**
 * Display helper: cores as whole numbers or millicores (0.1 → "100m", 2 → "2"), rounded to the
 * millicore. Unlike the canonical form it never uses "k" (1000 cores prints "1000").
 */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Display helper: bytes with the largest exact binary suffix (1536 MiB → "1536Mi", 1000 → "1000"). */
export function formatBytes(bytes: number): string {
  const b = Math.round(bytes);
  for (const [u, p] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (b >= p && b % p === 0) return `${b / p}${u}`;
  }
  return String(b);
}
