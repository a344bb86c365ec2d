package client

import (
	"strings"
	"testing"

	"github.com/akte/akte"
)

func TestPushKind(t *testing.T) {
	for in, want := range map[string]string{
		"%PDF-1.7\n...": "application/pdf",
		`{"resourceType":"Bundle","type":"collection"}`:         "application/fhir+json",
		`{"id":"x","meta":{"a":[1,2]},"resourceType":"Bundle"}`: "application/fhir+json",
		`{"resourceType":"Observation"}`:                        "",
		`["resourceType","Bundle"]`:                             "",
		`{"resourceType":`:                                      "",
		"plain text":                                            "",
		"":                                                      "",
	} {
		got, err := PushKind(strings.NewReader(in))
		if got != want || (want == "") != akte.Is(err, akte.KindInvalid) {
			t.Errorf("PushKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeFingerprint(t *testing.T) {
	if got := NormalizeFingerprint(" ABCD-ef01:2345 6789abcdef0123456789abcdef01 "); got != "abcd ef01 2345 6789 abcd ef01 2345 6789 abcd ef01" {
		t.Errorf("NormalizeFingerprint = %q", got)
	}
}
