package donation

import (
	"bytes"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/akte/akte"
	"github.com/akte/akte/fhir"
)

// TestPseudonym: stable for one key and sink, different across sinks and
// across keys, 32 hex digits; a known-answer vector pins the construction.
func TestPseudonym(t *testing.T) {
	key := bytes.Repeat([]byte{7}, SecretSize)
	a, b := "age1aaa", "age1bbb"
	if Pseudonym(key, a) != Pseudonym(key, a) || Pseudonym(key, a) == Pseudonym(key, b) || Pseudonym(key, a) == Pseudonym(NewSecret(), a) {
		t.Error("pseudonym not stable per sink or not distinct across sinks or keys")
	}
	if p := Pseudonym(key, a); len(p) != 32 {
		t.Errorf("pseudonym %q", p)
	}
	// HMAC-SHA256(07×32, "akte donation pseudonym v1\x00age1aaa")[:16],
	// computed apart with Python's hmac.
	const want = "54e75315c045d12e89cbdf383483bdd5"
	if got := Pseudonym(key, a); got != want {
		t.Errorf("pseudonym %s, want %s", got, want)
	}
}

// TestBuildAllowList: only the allowed fields reach the extract.
func TestBuildAllowList(t *testing.T) {
	imm, err := fhir.Parse([]byte(`{"resourceType":"Immunization","status":"completed",
	 "identifier":[{"system":"urn:x","value":"IDSECRET"}],
	 "vaccineCode":{"coding":[{"system":"http://fhir.de/CodeSystem/bfarm/atc","code":"J07AM51","display":"DISPSECRET"}],"text":"TEXTSECRET"},
	 "patient":{"reference":"Patient/PATSECRET","display":"Erika Musterfrau"},
	 "occurrenceDateTime":"2024-05-17","lotNumber":"LOTSECRET","expirationDate":"2026-01-01",
	 "performer":[{"actor":{"identifier":{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"123456667"},"display":"Dr. DOCSECRET"}}],
	 "note":[{"text":"NOTESECRET"}],
	 "protocolApplied":[{"targetDisease":[{"coding":[{"system":"http://snomed.info/sct","code":"76902006","display":"Tetanus"}]}],"doseNumberPositiveInt":2},
	                    {"doseNumberString":"DOSESECRET"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	obs, err := fhir.Parse([]byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
	 "effectiveDateTime":"2023-11-02T10:00:00+01:00","valueString":"VALSECRET"}`))
	if err != nil {
		t.Fatal(err)
	}
	pat := &fhir.Patient{Name: []fhir.HumanName{{Family: "Musterfrau"}}}
	es := []Entry{{"vaccinations", imm}, {"maternity", obs}, {"maternity", pat}, {"findings", obs}}
	b, sum, err := Build(es, []string{"vaccinations", "maternity"}, Person{BirthDate: "1980-04-01", Sex: "female"}, strings.Repeat("ab", 16))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, bad := range []string{"SECRET", "Musterfrau", "123456667", "1980-04", "2024-05-17", "Tetanus", "2023-11-02"} {
		if strings.Contains(s, bad) {
			t.Errorf("extract holds %q:\n%s", bad, s)
		}
	}
	for _, good := range []string{`"birthDate":"1980"`, `"gender":"female"`, "J07AM51", "76902006", `"doseNumberPositiveInt":2`, `"2024-05"`, `"2023-11"`, "29463-7"} {
		if !strings.Contains(s, good) {
			t.Errorf("extract lacks %s:\n%s", good, s)
		}
	}
	if sum.Resources["Immunization"] != 1 || sum.Resources["Observation"] != 1 || sum.Skipped != 1 {
		t.Errorf("summary %+v", sum)
	}
	if _, _, err := Build(es, nil, Person{}, "x"); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("no category: %v", err)
	}
	if _, _, err := Build(es, []string{"findings"}, Person{}, "x"); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("a category that cannot be donated: %v", err)
	}
}

// TestMake: the extract opens with the sink's identity only; a bad key or
// recipient is refused.
func TestMake(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	key := hex.EncodeToString(NewSecret())
	ct, sum, err := Make(nil, []string{"dental"}, Person{}, key, id.Recipient().String())
	if err != nil || !bytes.HasPrefix(ct, []byte(Header)) {
		t.Fatalf("make: %v", err)
	}
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	if !strings.Contains(string(b), sum.Pseudonym) {
		t.Errorf("extract lacks the pseudonym: %s", b)
	}
	if _, err := age.Decrypt(bytes.NewReader(ct), other); err == nil {
		t.Error("another identity opened the extract")
	}
	if _, _, err := Make(nil, []string{"dental"}, Person{}, "zz", id.Recipient().String()); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("bad key: %v", err)
	}
	if _, _, err := Make(nil, []string{"dental"}, Person{}, key, "age1notakey"); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("bad recipient: %v", err)
	}
	if !SameFingerprint(strings.ToUpper(Fingerprint("age1x")), Fingerprint("age1x")) || SameFingerprint("", "") {
		t.Error("SameFingerprint")
	}
}

// TestAgeInterop: what Seal writes opens with filippo.io/age, for sizes
// around the 64 KiB chunk boundary; a tampered byte does not open; the
// recipient parser takes what age prints and nothing else.
func TestAgeInterop(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	rcp := id.Recipient().String()
	for _, n := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17} {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		ct, err := Seal(plain, rcp)
		if err != nil {
			t.Fatal(err)
		}
		r, err := age.Decrypt(bytes.NewReader(ct), id)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: read %d, %v", n, len(got), err)
		}
		for _, at := range []int{30, len(ct) - 1} {
			bad := bytes.Clone(ct)
			bad[at] ^= 1
			if r, err := age.Decrypt(bytes.NewReader(bad), id); err == nil {
				if _, err := io.ReadAll(r); err == nil {
					t.Errorf("%d bytes: a flipped byte at %d opened", n, at)
				}
			}
		}
	}
	if k, err := ParseRecipient(" " + rcp + "\n"); err != nil || len(k) != 32 {
		t.Errorf("parse %s: %v", rcp, err)
	}
	for _, s := range []string{"", "age1", rcp[:len(rcp)-1] + "q", strings.ToUpper(rcp[:10]) + rcp[10:], "AGE-SECRET-KEY-1X", id.String(), "ssh-ed25519 AAAA"} {
		if _, err := ParseRecipient(s); err == nil {
			t.Errorf("parsed %q", s)
		}
	}
}
