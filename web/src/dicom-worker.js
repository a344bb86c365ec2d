// The worker that reads a patient CD with the Go code the CLI runs
// (cmd/akte-dicom-wasm, docs/dicom.md): the files are read here with
// FileReaderSync, off the page's thread.
import { serveGo } from './goworker.js';

serveGo('akteDicomReady', 'akteDicom');
