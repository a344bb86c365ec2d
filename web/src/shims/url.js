// A stand-in for node's "url" in the DICOM viewer's bundle (a URL parser
// inside xmlbuilder2, pulled in by dcmjs, asks for it): the browser's own.
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
export default { URL, URLSearchParams };
