// cd reads a patient CD in the browser (issue 18, item 2; docs/dicom.md):
// the folder's files or a ZIP go to the Go code the CLI runs
// (cmd/akte-dicom-wasm, in its own worker, loaded only by the import page),
// which finds the studies and lays each out as an item's content: the head
// with the manifest, then the instances' bytes. studyFile puts that
// content together as one File without copying the instances (a Blob of
// the picked files' slices; a deflated ZIP entry is inflated first), and
// the page uploads it like any document, with the media type that marks a
// study.
import { CoreError, assets } from './core.js';
import { goModule } from './goworker.js';
import { unb64 } from './bytes.js';

export const studyMediaType = 'application/vnd.akte.dicom-study';

const call = goModule(() => assets().dicomWorker, () => assets().dicomWasm, CoreError);

// scan reads the picked files (with their paths in the folder) or one ZIP
// and resolves to {files, studies, skipped} (cmd/akte-dicom-wasm says the
// fields); name and birthDate are the record holder's, for the check.
export async function scan(files, { zip = false, paths = [], name = '', birthDate = '' } = {}) {
  const { ok } = await call('scan', { blobs: files, paths, zip, name, birth_date: birthDate });
  return JSON.parse(ok);
}

// studyFile returns a study's content as a File named after the study.
export async function studyFile(study, files) {
  const parts = [unb64(study.head)];
  for (const p of study.parts) {
    let b = files[p.blob].slice(p.from, p.to);
    if (p.inflate) b = await new Response(b.stream().pipeThrough(new DecompressionStream('deflate-raw'))).blob();
    if (b.size !== p.size) throw new CoreError('invalid', 'a file of the CD changed', 'dicom_file_changed');
    parts.push(b);
  }
  const f = new File(parts, study.title || study.uid, { type: studyMediaType, lastModified: Math.max(0, ...files.map((x) => x.lastModified || 0)) });
  if (f.size !== study.content_size) throw new CoreError('invalid', 'study size differs', 'dicom_file_changed');
  return f;
}
