import {
  canonicalQuantity,
  formatBytes,
  formatCpu,
  isQuantity,
  parseQuantity,
  parseQuantityNumber,
  quantityMilliValue,
  quantityOf,
  quantityValue,
  QuantityError,
} from './quantity.js';
import { addQuantities, compareQuantities, fitsIn, maxQuantity, minQuantity, multiplyQuantity, quantitiesEqual, subtractQuantities, sumQuantities } from './quantity-math.js';

describe('parseQuantity', () => {
  it.each([
    // input, value in base units, format
    ['500m', 0.5, 'DecimalSI'],
    ['1.5', 1.5, 'DecimalSI'],
    ['2', 2, 'DecimalSI'],
    [4, 4, 'DecimalSI'],
    [0.25, 0.25, 'DecimalSI'],
    ['+3', 3, 'DecimalSI'],
    ['-1', -1, 'DecimalSI'],
    ['1Ki', 1024, 'BinarySI'],
    ['1Gi', 1073741824, 'BinarySI'],
    ['16Gi', 17179869184, 'BinarySI'],
    ['1.5Gi', 1610612736, 'BinarySI'],
    ['1G', 1e9, 'DecimalSI'],
    ['1k', 1000, 'DecimalSI'],
    ['1E', 1e18, 'DecimalSI'],
    ['100n', 1e-7, 'DecimalSI'],
    ['5u', 5e-6, 'DecimalSI'],
    ['1e3', 1000, 'DecimalExponent'],
    ['1E3', 1000, 'DecimalExponent'],
    ['2e-3', 0.002, 'DecimalExponent'],
    ['.5', 0.5, 'DecimalSI'],
    ['5.', 5, 'DecimalSI'],
    ['100Mi', 104857600, 'BinarySI'],
    ['0', 0, 'DecimalSI'],
  ])('%j is %d base units (%s)', (q, n, format) => {
    expect(parseQuantityNumber(q)).toBeCloseTo(n, 12);
    expect(parseQuantity(q).format).toBe(format);
  });

  it.each(['', ' ', 'abc', '1 Gi', '1GB', '1.2.3', 'Gi', '--1', '1iB', '1e', '1Ki2', '0x10', '1,5', 'm', '1mm', '1e1000'])(
    'rejects %j, naming the value and the allowed forms',
    (q) => {
      expect(() => parseQuantity(q)).toThrow(QuantityError);
      expect(() => parseQuantity(q)).toThrow(`${JSON.stringify(q)} is not a Kubernetes quantity`);
      expect(isQuantity(q)).toBe(false);
    },
  );

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => expect(() => parseQuantity(n)).toThrow(/expected a finite number/));
  it('rejects what is neither string nor number', () => expect(() => parseQuantity(true as never)).toThrow(/true is not a Kubernetes quantity: expected a string or a number/));

  it('is exact where floats are not, and rounds below a nano up (as Kubernetes does)', () => {
    expect(addQuantities('0.1', '0.2')).toBe('300m');
    expect(canonicalQuantity('1.0000000001')).toBe('1000000001n');
    expect(canonicalQuantity('0.1n')).toBe('1n');
    expect(quantityValue('1Ei')).toBe(2n ** 60n);
  });
});

describe('formatQuantity (canonical form, as the apiserver prints it)', () => {
  it.each([
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['2000000', '2M'],
    ['0.000001', '1u'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1024Mi', '1Gi'],
    ['1000Mi', '1000Mi'],
    ['1.5Ki', '1536'],
    ['512Ki', '512Ki'],
    ['1023', '1023'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['1e0', '1'],
    ['10e2', '1e3'],
    ['-1.5', '-1500m'],
    ['+2', '2'],
    ['0Gi', '0'],
    ['1000E', '1000E'],
    ['1e21', '1e21'],
    [16, '16'],
    [0.1, '100m'],
  ])('%j → %j', (q, want) => expect(canonicalQuantity(q)).toBe(want));
});

describe('quantity arithmetic', () => {
  it.each([
    [['500m', '1.5'], '2'],
    [['250m', '1'], '1250m'],
    [['1Gi', '512Mi'], '1536Mi'],
    [['1Gi', '1Gi'], '2Gi'],
    [['1Gi', '1G'], '2073741824'],
    [['0', '1Gi'], '1Gi'],
    [[4, '500m'], '4500m'],
    [[], '0'],
  ] as const)('adds %j = %j', (qs, want) => expect(addQuantities(...qs)).toBe(want));

  it('sums, subtracts, multiplies', () => {
    expect(quantityValue(sumQuantities(['1Gi', '512Mi']))).toBe(1610612736n);
    expect(subtractQuantities('2', '500m')).toBe('1500m');
    expect(subtractQuantities('1Gi', '2Gi')).toBe('-1Gi');
    expect(multiplyQuantity('250m', 4)).toBe('1');
    expect(multiplyQuantity('3Gi', 2)).toBe('6Gi');
    expect(() => multiplyQuantity('1', 1.5)).toThrow('factor 1.5 must be a whole number');
  });

  it.each([
    ['1Gi', '1024Mi', 0],
    ['1Gi', '1000Mi', 1],
    ['500m', '0.5', 0],
    ['500m', '1', -1],
    ['1e3', '1k', 0],
    [2, '2000m', 0],
    ['1G', '1Gi', -1],
  ] as const)('compares %j with %j: %d', (a, b, want) => {
    expect(compareQuantities(a, b)).toBe(want);
    expect(quantitiesEqual(a, b)).toBe(want === 0);
    expect(fitsIn(a, b)).toBe(want <= 0);
  });

  it('picks the larger and smaller', () => {
    expect(maxQuantity('1Gi', '1000Mi')).toBe('1Gi');
    expect(minQuantity('1Gi', '1000Mi')).toBe('1000Mi');
  });

  it('throws on a malformed operand, naming it', () => expect(() => addQuantities('1', 'lots')).toThrow('"lots" is not a Kubernetes quantity'));
});

describe('values and display helpers', () => {
  it('gives whole units and millis rounded up, like Value() and MilliValue()', () => {
    expect(quantityValue('1Gi')).toBe(1073741824n);
    expect(quantityValue('1500m')).toBe(2n);
    expect(quantityMilliValue('1.5')).toBe(1500n);
    expect(quantityMilliValue('1n')).toBe(1n);
  });

  it('builds quantities from units', () => {
    expect(canonicalQuantity(quantityOf(2n ** 30n, 'BinarySI'))).toBe('1Gi');
    expect(canonicalQuantity(quantityOf(1.5))).toBe('1500m');
  });

  it.each([
    [0.1, '100m'],
    [2, '2'],
    [1000, '1000'],
    [1.2345, '1235m'],
  ])('formatCpu(%d) = %j', (n, want) => expect(formatCpu(n)).toBe(want));

  it.each([
    [1000, '1000'],
    [1024, '1Ki'],
    [1536 * 2 ** 20, '1536Mi'],
    [2 ** 40, '1Ti'],
  ])('formatBytes(%d) = %j', (n, want) => expect(formatBytes(n)).toBe(want));
});
