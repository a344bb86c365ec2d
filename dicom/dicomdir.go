package dicom

import (
	"path"
	"strings"
)

// DICOMDIR tags (PS3.3 F.5).
const (
	tDirectoryRecordSequence uint32 = 0x00041220
	tReferencedFileID        uint32 = 0x00041500
	tReferencedSOPInstance   uint32 = 0x00041511
)

func wantRecordTag(t uint32) bool {
	return t == tReferencedFileID || t == tReferencedSOPInstance
}

// dirRef is a file a DICOMDIR references.
type dirRef struct {
	path string // relative to the DICOMDIR's folder, slash-separated, as written
	uid  string // ReferencedSOPInstanceUIDInFile, if given
}

// directoryRefs decodes the file references of a walked DICOMDIR.
func directoryRefs(op string, p *parsed) ([]dirRef, error) {
	// Each record's collected elements are flat and decoded on their own;
	// a record that references no file (PATIENT, STUDY, SERIES) is passed.
	var refs []dirRef
	for _, rec := range p.records {
		if len(rec) == 0 {
			continue
		}
		v, err := decode(op, rec, p.enc)
		if err != nil {
			return nil, err
		}
		parts := v.strs(tReferencedFileID)
		if len(parts) == 0 || len(parts) > 16 {
			continue
		}
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		rel := path.Join(parts...)
		if rel == "" || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || strings.HasPrefix(rel, "/") {
			continue
		}
		uid := v.str(tReferencedSOPInstance, maxUID+1)
		if !validUID(uid) {
			uid = ""
		}
		refs = append(refs, dirRef{path: rel, uid: uid})
	}
	return refs, nil
}
