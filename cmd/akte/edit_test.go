package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDocumentEdit: akte edit gives a document a new description, and
// moves it to another category, without uploading its content again: the
// named flags change, the others stay, the download is the same file, and
// the record's manifest agrees (ls reports no problem); an edit without
// a flag, or with a malformed date, is refused before anything is sent.
func TestDocumentEdit(t *testing.T) {
	srv := startServer(t, "", nil)
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	p := filepath.Join(dir, "scan.pdf")
	sum := writeRandom(t, p, 300_000, 3)
	id := alice.upload(p, "--category", "findings", "--title", "scan", "--date", "2024-05-01", "--comment", "nüchtern")

	var got lsItem
	alice.okJSON(&got, "edit", id, "--title", "Blutbild", "--source", "Praxis Dr. Weber", "--date", "2024-04-30")
	if got.ID != id || got.Title != "Blutbild" || got.Source != "Praxis Dr. Weber" || got.Date != "2024-04-30" || got.Comment != "nüchtern" ||
		got.Category != "findings" || got.FileName != "scan.pdf" || got.Size != 300_000 {
		t.Errorf("edit --json = %+v", got)
	}
	alice.ok("edit", id, "--category", "letters", "--comment", "")
	items := alice.ls("--category", "letters")
	if len(items) != 1 || items[0].ID != id || items[0].Title != "Blutbild" || items[0].Comment != "" || items[0].Source != "Praxis Dr. Weber" {
		t.Fatalf("ls --category letters after the move = %+v", items)
	}
	if rest := alice.ls("--category", "findings"); len(rest) != 0 {
		t.Errorf("ls --category findings after the move = %+v", rest)
	}
	for _, it := range alice.ls() {
		if it.Problem != "" {
			t.Errorf("ls after edits reports %+v", it)
		}
	}
	out := filepath.Join(dir, "out.pdf")
	alice.ok("get", id, "-o", out)
	if fileSum(t, out) != sum {
		t.Error("the content changed with the description")
	}
	os.Remove(out)

	if m := alice.fails("edit", id); !says(m, "flag_required", map[string]any{"flags": "--title, --date, --source, --comment, --category"}) {
		t.Errorf("edit without a flag: %q", m)
	}
	if m := alice.fails("edit", id, "--date", "30.04.2024"); !says(m, "date_format", map[string]any{"flag": "--date"}) {
		t.Errorf("edit with a malformed date: %q", m)
	}
	if m := alice.fails("edit", id, "--title", ""); !says(m, "title_missing", nil) {
		t.Errorf("edit with an empty title: %q", m)
	}
	if m := alice.fails("edit", "nosuchitem000000", "--title", "x"); !says(m, "item_not_found", nil) {
		t.Errorf("edit of a missing item: %q", m)
	}
}
