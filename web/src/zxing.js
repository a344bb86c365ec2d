// The DataMatrix reader of the medication plan page (zxing-wasm), bundled
// apart and loaded only when a plan is scanned; its WebAssembly comes from
// this server (content-hashed like every asset), never from a CDN.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

let ready = false;

// read returns the bytes of the first DataMatrix found in the image (a
// File, Blob or ImageData), or null.
export async function read(image, wasmURL) {
  if (!ready) {
    prepareZXingModule({ overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? wasmURL : prefix + path) } });
    ready = true;
  }
  const rs = await readBarcodes(image, { formats: ['DataMatrix'], tryHarder: true, maxNumberOfSymbols: 1 });
  const r = rs.find((x) => x.isValid);
  return r ? r.bytes : null;
}
