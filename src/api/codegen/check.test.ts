import { checkSchema } from './check.js';
import type { Schema } from './load.js';

const object = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ description: 'root', type: 'object', properties, ...extra });

describe('checkSchema: what the generator insists on', () => {
  it('accepts a schema that follows every rule', () => {
    const s = object({
      name: { description: 'A name.', type: 'string', maxLength: 10 },
      mode: { description: 'A mode.', type: 'string', enum: ['a', 'b'] },
      when: { description: 'A time.', type: 'string', format: 'date-time' },
      cpu: { description: 'CPU.', 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      list: { description: 'A list.', type: 'array', maxItems: 3, items: { type: 'string', maxLength: 3 } },
      map: { description: 'A map.', type: 'object', maxProperties: 3, additionalProperties: { type: 'string', maxLength: 3 } },
      free: { description: 'Anything.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      immutable: { description: 'Fixed.', type: 'string', maxLength: 3, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'cannot change' }] },
    });
    expect(checkSchema(s, 'K.spec')).toEqual([]);
  });

  it.each<[string, Schema, string]>([
    ['a field without a description', object({ a: { type: 'string', maxLength: 1 } }), 'K.spec.a: add a description'],
    ['a node without a type', object({ a: { description: 'x' } }), 'K.spec.a: add a type (CRD schemas must be structural)'],
    ['an unbounded list', object({ a: { description: 'x', type: 'array', items: { type: 'integer' } } }), 'K.spec.a: add maxItems'],
    ['an unbounded map', object({ a: { description: 'x', type: 'object', additionalProperties: { type: 'integer' } } }), 'K.spec.a: add maxProperties'],
    ['an unbounded string', object({ a: { description: 'x', type: 'string' } }), 'K.spec.a: add maxLength or an enum'],
    ['an unbounded string in a list', object({ a: { description: 'x', type: 'array', maxItems: 1, items: { type: 'string' } } }), 'K.spec.a[]: add maxLength or an enum'],
    ['a YAML flow map split at a comma', object({ a: { description: 'one', ' two.': null, type: 'boolean' } }), 'K.spec.a: unknown keyword " two."'],
    ['a CEL rule without a message', object({}, { 'x-kubernetes-validations': [{ rule: 'true', ajv: {} }] }), 'K.spec: CEL rule "true" needs a message'],
    ['a CEL rule without its ajv twin', object({}, { 'x-kubernetes-validations': [{ rule: 'has(self.a)', message: 'm' }] }), 'K.spec: CEL rule "has(self.a)" needs its JSON Schema twin'],
  ])('reports %s', (_name, s, problem) => {
    expect(checkSchema(s, 'K.spec').join('\n')).toContain(problem);
  });
});
