/**
 * Template params against the template's schema: one error per problem, with the field path
 * (`spec.params.repo: required`), and the params with the schema defaults applied.
 */
import type { FieldError } from '../api/field-errors.js';
import type { JobTemplate, ParamSchema } from './types.js';

/** The params with defaults applied, or the errors (each naming `spec.params.<name>`). */
export type ParamsCheck = { ok: true; params: Record<string, string> } | { ok: false; errors: FieldError[] };

const field = (name: string) => `spec.params.${name}`;
const show = (v: string) => JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);

/** What is wrong with one value: enum, length, pattern. */
function valueErrors(name: string, p: ParamSchema, value: string): FieldError[] {
  const out: string[] = [];
  if (p.enum && !p.enum.includes(value)) out.push(`Unsupported value: ${show(value)}: supported values: ${p.enum.map((e) => `"${e}"`).join(', ')}`);
  if (p.maxLength !== undefined && value.length > p.maxLength) out.push(`must be at most ${p.maxLength} characters (has ${value.length})`);
  if (p.minLength !== undefined && value.length < p.minLength) out.push(`must be at least ${p.minLength} characters`);
  if (p.pattern && value !== '' && !new RegExp(p.pattern).test(value)) out.push(`Invalid value: ${show(value)}: must match ${p.pattern} (${p.description.replace(/\.$/, '')})`);
  return out.map((message) => ({ field: field(name), message }));
}

/**
 * Validates `params` (spec.params) against the template's schema and applies its defaults.
 * Checked: required names, unknown names (with the known ones), enums, patterns, lengths.
 * @example checkParams(ciRunner, { ref: 'main' }) // { ok: false, errors: [{ field: 'spec.params.repo', message: 'required: Clone URL …' }] }
 */
export function checkParams(t: JobTemplate, params: Record<string, string | undefined> | undefined): ParamsCheck {
  const given = Object.fromEntries(Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  const errors: FieldError[] = [];
  const props = t.params.properties;
  for (const name of t.params.required) {
    if (given[name] === undefined || given[name] === '') errors.push({ field: field(name), message: `required: ${props[name]?.description ?? name}` });
  }
  for (const [name, value] of Object.entries(given)) {
    const p = props[name];
    if (!p) errors.push({ field: field(name), message: `unknown parameter of template ${t.name}; known: ${Object.keys(props).sort().join(', ')}` });
    else errors.push(...valueErrors(name, p, value));
  }
  if (errors.length > 0) return { ok: false, errors };
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(props)) {
    const v = given[name] ?? p.default;
    if (v !== undefined) out[name] = v;
  }
  return { ok: true, params: out };
}

/** The defaults the schema adds to `params` (for the mutating webhook), or {} when nothing is missing. */
export function paramDefaults(t: JobTemplate, params: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(t.params.properties)) if (params?.[name] === undefined && p.default !== undefined) out[name] = p.default;
  return out;
}
