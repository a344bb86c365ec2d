// Package dicom reads patient CDs (a folder, a mounted disc or a ZIP, with
// or without DICOMDIR) into studies of DICOM instances and lays each study
// out as one Akte item: a content stream that is the concatenation of its
// instances' original bytes, and a manifest (study, series and instance
// UIDs, the tags a viewer needs, each instance's offset and length) that the
// caller seals next to it.
//
// Everything here handles bytes from outside: files on a CD, entries of a
// ZIP, a manifest read back from the server. Nothing is trusted. A file is
// first walked by a small structural parser of our own that checks every
// length against its container and the file, bounds nesting, element counts
// and the bytes read before the pixel data, and stops at the pixel data;
// only then are the few top-level elements we need handed to
// github.com/suyashkumar/dicom to decode their values (character sets,
// value representations). Sequences and pixel data never reach it, so its
// unbounded allocations and recursion are out of reach of a hostile file.
// Bad input is refused or skipped with a reason; it never panics or hangs.
//
// Errors are *akte.Error values with a stable Reason (snake_case) and
// Params; Kind is KindInvalid for malformed input, KindTooLarge for limits,
// KindConflict for files that changed after the scan.
//
// The scanning code takes an fs.FS (os.DirFS, a ZIP through OpenZip, or the
// files a browser hands over), and the manifest and layout code is pure, so
// the package builds for GOOS=js GOARCH=wasm as well.
package dicom
