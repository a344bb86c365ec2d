package catalog

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"maps"
	"slices"
)

// The consent texts of the services a patient switches on (issue 17, item
// 7): what data a service uses, where it is computed, and how to withdraw,
// in each language, with a version that grows when a text changes. The
// consent a client records names the service (the text's id), the
// version, the language and the SHA-256 of the text it showed (decision
// 0037), so that issue 16's consent ledger can tell which text was agreed
// to.

//go:embed consents.json
var consentsJSON []byte

// The texts every patient agrees to at registration (decision 0044): one
// file per text and language, "ID.LANG.md", whose first line is
// "version: N" and whose body follows a blank line.
//
//go:embed consents/*.md
var consentFiles embed.FS

// ConsentFiles returns the shipped texts of the ledger as files in the
// operator's format (decision 0044): the directory consents/.
func ConsentFiles() fs.FS {
	sub, err := fs.Sub(consentFiles, "consents")
	if err != nil {
		return consentFiles // embedded: cannot happen
	}
	return sub
}

// ServiceConsents returns the ids of the services' consent texts, sorted.
func ServiceConsents() []string {
	return slices.Sorted(maps.Keys(consents))
}

type consentText struct {
	Version int    `json:"version"`
	DE      string `json:"de"`
	EN      string `json:"en"`
}

var consents = func() map[string]consentText {
	var m map[string]consentText
	if err := json.Unmarshal(consentsJSON, &m); err != nil {
		panic("catalog: consents.json: " + err.Error()) // embedded: a build defect
	}
	return m
}()

// ConsentText is one consent text as shown.
type ConsentText struct {
	ID      string `json:"text"`
	Version int    `json:"version"`
	Lang    string `json:"lang"`
	Text    string `json:"-"`
	// Hash is the SHA-256 of Text in lower-case hex.
	Hash string `json:"hash"`
}

// Consent returns the consent text of a service in the language, and
// false if the service has none.
func Consent(lang, service string) (ConsentText, bool) {
	c, ok := consents[service]
	if !ok {
		return ConsentText{}, false
	}
	lang = Lang(lang)
	t := c.EN
	if lang == "de" {
		t = c.DE
	}
	h := sha256.Sum256([]byte(t))
	return ConsentText{ID: service, Version: c.Version, Lang: lang, Text: t, Hash: hex.EncodeToString(h[:])}, true
}
