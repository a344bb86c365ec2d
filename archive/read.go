package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/dicom"
)

// Limits of what Read accepts from an archive.
const (
	maxBundle    = 64 << 20 // bytes of bundle.json
	maxDocuments = 100_000
)

// Imported is one document of an archive, ready to be added to a record.
type Imported struct {
	ID       string // its id in the exported record
	Category string
	Meta     core.Meta // Replaces names the exported id of the version it replaces
	Created  time.Time
	// Files are its files in the archive: one, or a study's instances.
	Files []*zip.File
	// Study is set when the files are a study's instances.
	Study bool
}

// Archive is an export opened for import.
type Archive struct {
	Documents []Imported
	zr        *zip.Reader
}

// IsEncrypted reports whether the file starts as an age file does.
func IsEncrypted(r io.ReaderAt) bool {
	head := make([]byte, 21)
	n, _ := r.ReadAt(head, 0)
	return bytes.HasPrefix(head[:n], []byte("age-encryption.org/v1"))
}

// Decrypt opens an age-encrypted archive with the passphrase, for reading
// in place (nothing is written to disk).
func Decrypt(r io.ReaderAt, size int64, passphrase string) (io.ReaderAt, int64, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, 0, err
	}
	ra, n, err := age.DecryptReaderAt(r, size, id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, 0, akte.R("archive.decrypt", akte.KindInvalid, "passphrase_wrong", nil, "wrong passphrase")
		}
		return nil, 0, invalid("archive is damaged (age)", err)
	}
	return ra, n, nil
}

func invalid(msg string, err error) error {
	e := akte.R("archive.read", akte.KindInvalid, "import_invalid", nil, msg)
	e.Err = err
	return e
}

// Read opens an export archive (a ZIP of size bytes in r) and checks it
// before anything is imported: bundle.json is an export's bundle, every
// document's category is known and its files are in the archive under
// files/ID/, and every file reads to its end with its checksum (a
// truncated or altered archive is refused here, with nothing changed).
func Read(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, invalid("not a ZIP", err)
	}
	byName := map[string]*zip.File{}
	for _, f := range zr.File {
		byName[f.Name] = f
	}
	bf := byName["bundle.json"]
	if bf == nil || bf.UncompressedSize64 > maxBundle {
		return nil, invalid("no bundle.json", nil)
	}
	raw, err := readAll(bf)
	if err != nil {
		return nil, err
	}
	var b bundleIn
	if err := json.Unmarshal(raw, &b); err != nil || b.ResourceType != "Bundle" || b.Type != "collection" {
		return nil, invalid("bundle.json is not an export's bundle", err)
	}
	a := &Archive{zr: zr}
	idOf := map[string]string{} // full URL -> document id
	for _, e := range b.Entry {
		var dr documentReference
		if err := json.Unmarshal(e.Resource, &dr); err != nil {
			return nil, invalid("bundle entry", err)
		}
		if dr.ResourceType != "DocumentReference" {
			continue
		}
		d, err := imported(dr, byName)
		if err != nil {
			return nil, err
		}
		idOf[e.FullURL] = d.ID
		a.Documents = append(a.Documents, d)
		if len(a.Documents) > maxDocuments {
			return nil, invalid("too many documents", nil)
		}
	}
	// A newer version names the entry of the one it replaces; that must
	// come before it (the export writes them in the order they were added).
	seen := map[string]bool{}
	for i, d := range a.Documents {
		if d.Meta.Replaces != "" {
			id, ok := idOf[d.Meta.Replaces]
			if !ok || !seen[id] {
				return nil, invalid("document "+d.ID+": replaces an unknown document", nil)
			}
			a.Documents[i].Meta.Replaces = id
		}
		seen[d.ID] = true
	}
	// Every file once to its end: archive/zip checks sizes and CRCs there.
	for _, d := range a.Documents {
		for _, f := range d.Files {
			if err := check(f); err != nil {
				return nil, err
			}
		}
	}
	return a, nil
}

func imported(dr documentReference, byName map[string]*zip.File) (Imported, error) {
	bad := func(what string) (Imported, error) { return Imported{}, invalid("document "+dr.ID+": "+what, nil) }
	if dr.ID == "" || strings.ContainsAny(dr.ID, "/\\") || len(dr.Category) != 1 || len(dr.Category[0].Coding) != 1 ||
		dr.Category[0].Coding[0].System != CategorySystem || len(dr.Content) == 0 {
		return bad("not an export's document")
	}
	cat := dr.Category[0].Coding[0].Code
	if _, ok := akte.CategoryByID(akte.CategoryID(cat)); !ok {
		return bad("unknown category")
	}
	created, err := time.Parse(time.RFC3339, dr.Date)
	if err != nil {
		return bad("date")
	}
	d := Imported{ID: dr.ID, Category: cat, Created: created}
	d.Meta.Title = dr.Description
	if dr.Type != nil {
		d.Meta.Type = dr.Type.Text
	}
	if len(dr.Author) > 0 {
		d.Meta.Source = dr.Author[0].Display
	}
	for _, x := range dr.Extension {
		if x.URL == CommentExtension {
			d.Meta.Comment = x.ValueString
		}
	}
	for _, r := range dr.RelatesTo {
		if r.Code == "replaces" {
			d.Meta.Replaces = r.Target.Reference
		}
	}
	prefix := "files/" + dr.ID + "/"
	for _, c := range dr.Content {
		p, err := url.PathUnescape(c.Attachment.URL)
		if err != nil || !strings.HasPrefix(p, prefix) || path.Clean(p) != p || byName[p] == nil {
			return bad("file not in the archive")
		}
		d.Files = append(d.Files, byName[p])
		d.Meta.MediaType, d.Meta.Date = c.Attachment.ContentType, c.Attachment.Creation
	}
	d.Study = d.Meta.MediaType == "application/dicom"
	if d.Study {
		d.Meta.MediaType = dicom.StudyMediaType
	} else if len(d.Files) != 1 {
		return bad("several files")
	} else {
		d.Meta.FileName = path.Base(d.Files[0].Name)
	}
	return d, nil
}

func readAll(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, invalid("cannot open "+f.Name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, akteDamaged(f.Name, err)
	}
	return b, nil
}

func check(f *zip.File) error {
	r, err := f.Open()
	if err != nil {
		return invalid("cannot open "+f.Name, err)
	}
	defer r.Close()
	if _, err := io.Copy(io.Discard, r); err != nil {
		return akteDamaged(f.Name, err)
	}
	return nil
}

func akteDamaged(name string, err error) error {
	e := akte.R("archive.read", akte.KindInvalid, "import_damaged", map[string]any{"file": name}, "archive file damaged")
	e.Err = err
	return e
}

// Study scans a study's instances in the archive (files/ID/...) back into
// a study to upload.
func (a *Archive) Study(d Imported) (*dicom.Study, error) {
	sub, err := fs.Sub(a.zr, "files/"+d.ID)
	if err != nil {
		return nil, err
	}
	res, err := dicom.Scan(context.Background(), sub, dicom.DefaultLimits())
	if err != nil {
		return nil, err
	}
	if len(res.Studies) != 1 || res.Studies[0].Instances != len(d.Files) {
		return nil, invalid("document "+d.ID+": not one study", nil)
	}
	return res.Studies[0], nil
}
