// DICOM files written by the browser tests (cd.test.mjs, viewer.test.mjs):
// explicit VR little endian elements, as a CD's files hold them.

// element writes one explicit VR little endian element.
export function element(group, elem, vr, value) {
  let v = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  if (v.length % 2) v = Buffer.concat([v, Buffer.from(vr === 'UI' ? '\0' : ' ')]);
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(elem, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(v.length, 8);
  else h.writeUInt16LE(v.length, 6);
  return Buffer.concat([h, v]);
}

// us is an unsigned short (US) value.
export const us = (n) => Buffer.from([n & 255, n >> 8]);
