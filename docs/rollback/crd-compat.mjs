#!/usr/bin/env node
// Is it safe to go from one set of Weft CRDs to another (an upgrade, or a rollback of the operator
// with its CRDs)? Safe means: every version served before is still served, and no field of a served
// version's schema was removed or changed type — so every object stored before still validates and
// nothing it holds is pruned. Run it before applying CRDs:
//
//   node docs/rollback/crd-compat.mjs OLD NEW          OLD, NEW: CRD YAML files or directories of them
//   node docs/rollback/crd-compat.mjs --git REV NEW    OLD = NEW's files as they were at git revision REV
//   kubectl get crd -o yaml > live.yaml && node docs/rollback/crd-compat.mjs live.yaml crds/
//
// Exit 0: compatible. Exit 1: each problem on its own line (CRD, version, field path). Exit 2: usage.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';

function docsOf(text) {
  return YAML.parseAllDocuments(text).map((d) => d.toJSON()).flatMap((d) => (d?.kind === 'List' ? d.items : [d])).filter((d) => d?.kind === 'CustomResourceDefinition');
}
const files = (p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(p, f)) : [p]);
const load = (p) => files(p).flatMap((f) => docsOf(readFileSync(f, 'utf8')));
function loadGit(rev, p) {
  return files(p).flatMap((f) => {
    try {
      return docsOf(execFileSync('git', ['show', `${rev}:${relative(execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim(), f)}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      return []; // a CRD new since REV: nothing to compare
    }
  });
}

/** path → type, for every property of a schema (array items as `[]`). */
function fields(schema, at = '', out = new Map()) {
  if (!schema || typeof schema !== 'object') return out;
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    const p = `${at}.${k}`;
    out.set(p, v.type ?? (v['x-kubernetes-int-or-string'] ? 'int-or-string' : 'any'));
    fields(v, p, out);
  }
  if (schema.items) fields(schema.items, `${at}[]`, out);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') fields(schema.additionalProperties, `${at}{}`, out);
  return out;
}

export function compare(oldCrds, newCrds) {
  const problems = [];
  const byName = new Map(newCrds.map((c) => [c.metadata.name, c]));
  for (const o of oldCrds) {
    const n = byName.get(o.metadata.name);
    if (!n) {
      problems.push(`${o.metadata.name}: the CRD is gone (its objects would be deleted with it)`);
      continue;
    }
    for (const ov of o.spec.versions.filter((v) => v.served)) {
      const nv = n.spec.versions.find((v) => v.name === ov.name);
      if (!nv?.served) {
        problems.push(`${o.metadata.name} ${ov.name}: no longer served (clients and stored objects use it)`);
        continue;
      }
      const before = fields(ov.schema?.openAPIV3Schema);
      const after = fields(nv.schema?.openAPIV3Schema);
      for (const [path, type] of before) {
        if (!after.has(path)) problems.push(`${o.metadata.name} ${ov.name}: field ${path.slice(1)} removed (stored values would be pruned)`);
        else if (after.get(path) !== type) problems.push(`${o.metadata.name} ${ov.name}: field ${path.slice(1)} changed type ${type} → ${after.get(path)}`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = process.argv.slice(2);
  const git = a[0] === '--git';
  if ((git && a.length !== 3) || (!git && a.length !== 2)) {
    process.stderr.write('usage: crd-compat.mjs OLD NEW | crd-compat.mjs --git REV NEW\n');
    process.exit(2);
  }
  const [oldCrds, newCrds] = git ? [loadGit(a[1], a[2]), load(a[2])] : [load(a[0]), load(a[1])];
  if (oldCrds.length === 0) {
    process.stderr.write(`crd-compat: no CustomResourceDefinition in ${git ? `${a[2]} at ${a[1]}` : a[0]}\n`);
    process.exit(2);
  }
  const problems = compare(oldCrds, newCrds);
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.stdout.write(problems.length ? `crd-compat: ${problems.length} incompatible change(s): do not apply these CRDs over the old ones\n` : `crd-compat: ${oldCrds.length} CRD(s) compatible: every served version and field is kept\n`);
  process.exit(problems.length ? 1 : 0);
}
