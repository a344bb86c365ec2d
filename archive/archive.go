// Package archive writes a record's export (issue 16, item 3; docs/export.md):
// one ZIP that needs nothing of Akte to be read. It holds
//
//	README.txt        what is where, German and English
//	bundle.json       a FHIR R4 Bundle (collection): the Patient, a
//	                  DocumentReference and a Provenance per document
//	files/ID/NAME     each document's original file (a study: its
//	                  instances as files/ID/<SeriesUID>/<SOPUID>.dcm)
//	protocol/         the verified protocol: protokoll.pdf, auditevents.json
//	                  (FHIR AuditEvent Bundle) and checkpoint.txt (the
//	                  signed checkpoint it was verified against)
//	report.pdf        a printable summary and list of the documents
//
// The client writes it from what it decrypted; the server is not asked
// for anything but the ciphertext. Documents are streamed one at a time
// into the ZIP, so memory does not grow with the record. Encryption (the
// default) is the caller's: the ZIP is written through an age writer.
package archive

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/akte/akte/audit"
	"github.com/akte/akte/audit/auditpdf"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/dicom"
)

// Document is one document of the record, with a way to read its
// plaintext.
type Document struct {
	ID           string
	Category     string // id, e.g. "findings"
	CategoryName string // in the export's language
	Meta         core.Meta
	Created      time.Time
	CreatedBy    string // account id of whoever added it
	// Write writes the document's plaintext to w (verified: a download
	// that fails its digest fails the export).
	Write func(ctx context.Context, w io.Writer) error
}

// Entry is one structured entry of the record (decision 0037): its FHIR
// R4 resource as the client sealed it. Only the newest version of each is
// exported.
type Entry struct {
	ID       string
	Category string
	JSON     []byte
}

// Record is what an export holds.
type Record struct {
	AccountID string
	KVNR      string
	BirthDate string // YYYY-MM-DD
	Documents []Document
	Entries   []Entry
	// Protocol is the verified protocol, or nil to leave it out.
	Protocol *audit.Export
	Lang     string // "de" or "en": README order, report
	Now      time.Time
	// Stage, if set, returns where a study's content is staged to be
	// split into its instances (nil: a temporary file in Write's tmpDir).
	// The web app, which has no file system, stages in memory
	// (cmd/akte-export-wasm).
	Stage func() (Staged, error)
}

// Staged holds a study's content while its instances are written; Close
// removes it.
type Staged interface {
	io.Writer
	io.ReaderAt
	io.Closer
}

// tempFile is a Staged in a temporary file, removed on Close.
type tempFile struct{ *os.File }

func (t tempFile) Close() error {
	err := t.File.Close()
	os.Remove(t.Name())
	return err
}

// Result says what was written.
type Result struct {
	Documents int      `json:"documents"`
	Files     []string `json:"files"` // paths in the archive, in order
	Bytes     int64    `json:"bytes"` // plaintext of the documents
}

// Write writes the archive of r to w; progress, if set, is told the
// plaintext bytes of documents written so far. A study's content is
// staged in a temporary file in tmpDir (its instances are written out one
// by one), removed before Write returns.
func Write(ctx context.Context, w io.Writer, r Record, tmpDir string, progress func(int64)) (*Result, error) {
	zw := zip.NewWriter(w)
	res := &Result{}
	put := func(name string, method uint16, write func(io.Writer) error) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: r.Now})
		if err != nil {
			return err
		}
		res.Files = append(res.Files, name)
		return write(f)
	}
	if err := put("README.txt", zip.Deflate, func(f io.Writer) error { _, err := io.WriteString(f, readme(r.Lang)); return err }); err != nil {
		return nil, err
	}
	paths := map[string][]string{}
	for _, d := range r.Documents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if d.Meta.MediaType == dicom.StudyMediaType {
			stage := r.Stage
			if stage == nil {
				stage = func() (Staged, error) {
					f, err := os.CreateTemp(tmpDir, ".akte-export-*")
					if err != nil {
						return nil, err
					}
					return tempFile{f}, nil
				}
			}
			paths[d.ID], err = writeStudy(ctx, zw, d, r.Now, stage)
		} else {
			name := "files/" + d.ID + "/" + FileName(d.Meta)
			paths[d.ID] = []string{name}
			err = put(name, zip.Store, func(f io.Writer) error { return pipelined(ctx, d, f) })
		}
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, paths[d.ID]...)
		res.Documents++
		res.Bytes += d.Meta.Size
		if progress != nil {
			progress(res.Bytes)
		}
	}
	b, err := Bundle(r, paths)
	if err != nil {
		return nil, err
	}
	if err := put("bundle.json", zip.Deflate, func(f io.Writer) error { _, err := f.Write(b); return err }); err != nil {
		return nil, err
	}
	if x := r.Protocol; x != nil {
		if err := put("protocol/protokoll.pdf", zip.Deflate, func(f io.Writer) error { return auditpdf.Write(f, *x) }); err != nil {
			return nil, err
		}
		if err := put("protocol/auditevents.json", zip.Deflate, func(f io.Writer) error {
			b, err := audit.FHIRBundle(*x)
			if err == nil {
				_, err = f.Write(b)
			}
			return err
		}); err != nil {
			return nil, err
		}
		if err := put("protocol/checkpoint.txt", zip.Deflate, func(f io.Writer) error {
			_, err := io.WriteString(f, x.Verified.Signed)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if err := put("report.pdf", zip.Deflate, func(f io.Writer) error { return Report(f, r, paths) }); err != nil {
		return nil, err
	}
	return res, zw.Close()
}

// pipelined writes the document into w with its download and decryption
// in a goroutine of their own, so that they run beside the checksum and
// the archive's encryption instead of taking turns with them.
func pipelined(ctx context.Context, d Document, w io.Writer) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := d.Write(ctx, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	_, err := io.CopyBuffer(w, pr, make([]byte, 1<<20))
	pr.CloseWithError(err)
	if werr := <-done; werr != nil {
		return werr
	}
	return err
}

// writeStudy writes a study's instances as files/ID/<SeriesUID>/<SOPUID>.dcm.
func writeStudy(ctx context.Context, zw *zip.Writer, d Document, now time.Time, stage func() (Staged, error)) ([]string, error) {
	tmp, err := stage()
	if err != nil {
		return nil, err
	}
	defer tmp.Close()
	if err := d.Write(ctx, tmp); err != nil {
		return nil, err
	}
	m, inst, err := dicom.OpenStudyItem(tmp, d.Meta.Size)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range m.Files() {
		name := "files/" + d.ID + "/" + f.Path
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: now})
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, io.NewSectionReader(inst, f.Offset, f.Length)); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// FileName is the document's file name in the archive: its original name
// made safe for any file system, else its title, else "document".
func FileName(m core.Meta) string {
	n := m.FileName
	if n == "" {
		n = m.Title
	}
	n = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 || strings.ContainsRune(`/\:*?"<>|`, r) || (unicode.IsSpace(r) && r != ' ') {
			return '_'
		}
		return r
	}, path.Base("/"+n))
	n = strings.Trim(n, " .")
	if n == "" || n == "_" {
		n = "document"
	}
	if len(n) > 150 {
		n = n[:150]
	}
	return n
}

// CategorySystem names Akte's document categories in the bundle
// (docs/export.md).
const CategorySystem = "https://akte.dev/fhir/CodeSystem/category"

// Bundle returns the bundle.json of the archive: the Patient, and for each
// document a DocumentReference (its files' paths as attachment URLs) and a
// Provenance. paths are the files written for each document id. The
// resources are written with the few elements an export needs (bundle.go);
// TestBundleSchema holds them to the official FHIR R4 schema.
func Bundle(r Record, paths map[string][]string) ([]byte, error) {
	patientRef := "urn:uuid:" + uuidOf("patient", r.AccountID)
	patient := &patient{ResourceType: "Patient", ID: "patient", BirthDate: r.BirthDate}
	if r.KVNR != "" {
		patient.Identifier = []identifier{{System: "http://fhir.de/sid/gkv/kvid-10", Value: r.KVNR}}
	}
	b := bundle{ResourceType: "Bundle", Type: "collection", Timestamp: r.Now.UTC().Format(time.RFC3339)}
	b.Entry = append(b.Entry, entry{FullURL: patientRef, Resource: patient})
	for _, d := range r.Documents {
		ref := "urn:uuid:" + uuidOf("document", d.ID)
		dr := &documentReference{
			ResourceType: "DocumentReference", ID: d.ID,
			Identifier:  []identifier{{System: "urn:ietf:rfc:3986", Value: "urn:akte:item:" + d.ID}},
			Status:      "current",
			Category:    []concept{{Coding: []coding{{System: CategorySystem, Code: d.Category, Display: d.CategoryName}}}},
			Subject:     &reference{Reference: patientRef},
			Date:        d.Created.UTC().Format(time.RFC3339),
			Description: d.Meta.Title,
		}
		if d.Meta.Type != "" {
			dr.Type = &concept{Text: d.Meta.Type}
		}
		if d.Meta.Comment != "" {
			dr.Extension = []extension{{URL: CommentExtension, ValueString: d.Meta.Comment}}
		}
		if d.Meta.Source != "" {
			dr.Author = []reference{{Display: d.Meta.Source}}
		}
		if d.Meta.Replaces != "" {
			dr.RelatesTo = []relates{{Code: "replaces", Target: reference{Reference: "urn:uuid:" + uuidOf("document", d.Meta.Replaces)}}}
		}
		for _, p := range paths[d.ID] {
			a := attachment{ContentType: d.Meta.MediaType, URL: (&url.URL{Path: p}).String(), Title: d.Meta.Title, Creation: d.Meta.Date}
			if d.Meta.MediaType == dicom.StudyMediaType {
				a.ContentType, a.Title = "application/dicom", ""
			} else if d.Meta.Size > 0 && d.Meta.Size < 1<<31 {
				a.Size = d.Meta.Size
			}
			dr.Content = append(dr.Content, content{Attachment: a})
		}
		b.Entry = append(b.Entry, entry{FullURL: ref, Resource: dr})
		b.Entry = append(b.Entry, entry{FullURL: "urn:uuid:" + uuidOf("provenance", d.ID), Resource: &provenance{
			ResourceType: "Provenance",
			Target:       []reference{{Reference: ref}},
			Recorded:     d.Created.UTC().Format(time.RFC3339),
			Agent:        []agent{{Who: reference{Display: "Akte account " + d.CreatedBy}}},
		}})
	}
	for _, e := range r.Entries {
		res, err := tagged(e)
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, entry{FullURL: "urn:uuid:" + uuidOf("entry", e.ID), Resource: res})
	}
	return json.MarshalIndent(b, "", " ")
}

// tagged is an entry's resource with its item id as id and its category
// as a tag (system CategorySystem), so that an import files it again.
func tagged(e Entry) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.JSON, &m); err != nil {
		return nil, err
	}
	m["id"], _ = json.Marshal(e.ID)
	meta := map[string]any{}
	if raw, ok := m["meta"]; ok {
		json.Unmarshal(raw, &meta)
	}
	meta["tag"] = []coding{{System: CategorySystem, Code: e.Category}}
	m["meta"], _ = json.Marshal(meta)
	return json.Marshal(m)
}

// uuidOf derives a stable UUID (version 8, RFC 9562) for the bundle's
// full URLs from a kind and an id, so that the same record exports to the
// same references.
func uuidOf(kind, id string) string {
	h := sha256Sum(kind + "\x00" + id)
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
