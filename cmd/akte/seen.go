package main

import (
	"maps"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/wire"
)

// seen is what this client remembers of the server's answers, so that a
// server that goes back is noticed (docs/crypto.md, "Malicious server"):
// the Argon2id parameters it last used for an account, and the highest
// category key version it has seen in a record. Nothing in it is secret;
// it outlives sessions and logouts.
type seen struct {
	// KDF holds the parameters last used, by lower-cased e-mail (prelogin
	// is asked by e-mail, before the account id is known).
	KDF map[string]akte.KDFParams `json:"kdf,omitempty"`
	// KeyVersions holds the highest key version by record id and category.
	KeyVersions map[string]map[string]uint32 `json:"key_versions,omitempty"`
}

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// kdf returns the parameters last used for the account, or nil.
func (s *seen) kdf(email string) *akte.KDFParams {
	if k, ok := s.KDF[emailKey(email)]; ok {
		return &k
	}
	return nil
}

// useKDF remembers the parameters used for the account: after a login
// whose password key opened the user master key, or after this client
// chose new ones (registration, password change or reset).
func (s *seen) useKDF(email string, k akte.KDFParams) {
	if s.KDF == nil {
		s.KDF = map[string]akte.KDFParams{}
	}
	s.KDF[emailKey(email)] = k
}

// expectAccount refuses an account answer about another account than the
// one this client is logged in to.
func (st *state) expectAccount(a wire.Account) error {
	return client.Expect("account", st.AccountID, a.AccountID)
}

// checkKeyVersions refuses a record whose category key versions are lower
// than this client has seen, and remembers the highest ones.
func (e *env) checkKeyVersions(st *state, rec *client.Record) error {
	id := rec.Info.Keys.RecordID
	latest, err := rec.KeyVersions(st.Seen.KeyVersions[id])
	if err != nil {
		return err
	}
	if maps.Equal(latest, st.Seen.KeyVersions[id]) {
		return nil
	}
	if st.Seen.KeyVersions == nil {
		st.Seen.KeyVersions = map[string]map[string]uint32{}
	}
	st.Seen.KeyVersions[id] = latest
	return saveState(e, st)
}
