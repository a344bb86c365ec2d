package audit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckpointText(t *testing.T) {
	c := Checkpoint{Origin: "akte.test/audit/system", Size: 42, Hash: leafN(1), Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	got, err := ParseCheckpoint(c.Text())
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	good := string(c.Text())
	for name, text := range map[string]string{
		"leading zero":    strings.Replace(good, "\n42\n", "\n042\n", 1),
		"negative size":   strings.Replace(good, "\n42\n", "\n-42\n", 1),
		"short hash":      strings.Replace(good, "\n"+strings.Split(good, "\n")[2]+"\n", "\nAAAA\n", 1),
		"no time":         strings.Join(strings.Split(good, "\n")[:3], "\n") + "\n",
		"local time":      strings.Replace(good, "05Z", "05+01:00", 1),
		"fractional time": strings.Replace(good, "05Z", "05.5Z", 1),
		"extra line":      good + "more\n",
		"space in origin": strings.Replace(good, "akte.test/", "akte test/", 1),
		"plus in origin":  strings.Replace(good, "akte.test/", "akte+test/", 1),
		"missing newline": strings.TrimSuffix(good, "\n"),
		"empty origin":    strings.Replace(good, "akte.test/audit/system", "", 1),
	} {
		if _, err := ParseCheckpoint([]byte(text)); err == nil {
			t.Errorf("%s: accepted %q", name, text)
		}
	}
}

func TestKey(t *testing.T) {
	k := testKey(t)
	pub, err := ParsePublicKey(k.Public())
	if err != nil || pub.Name != k.Name() {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	vk := k.Public()
	for name, bad := range map[string]string{
		"wrong id":    strings.Replace(vk, "+", "+0", 1)[:len(vk)],
		"no id":       k.Name() + "+" + vk[strings.LastIndex(vk, "+")+1:],
		"ed25519 key": k.Name() + "+00000000+AQ" + strings.Repeat("A", 42),
		"garbage":     "x+y+z",
	} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("%s: accepted %q", name, bad)
		}
	}

	c := Checkpoint{Origin: k.Origin("record/abc"), Size: 3, Hash: leafN(3), Time: time.Date(2026, 5, 6, 7, 8, 9, 999, time.UTC)}
	signed, err := k.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pub.Open(signed)
	if err != nil {
		t.Fatal(err)
	}
	c.Time = c.Time.Truncate(time.Second)
	if got != c {
		t.Fatalf("Open = %+v, want %+v", got, c)
	}
	if _, err := k.Sign(Checkpoint{Origin: "other.test/audit/record/abc"}); err == nil {
		t.Error("signed an origin outside the key's name")
	}

	other, err := GenerateKey(k.Name())
	if err != nil {
		t.Fatal(err)
	}
	bySomeoneElse, _ := other.Sign(c)
	if _, err := pub.Open(bySomeoneElse); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("other key: %v, want ErrUnknownKey", err)
	}
	tampered := []byte(strings.Replace(string(signed), "\n3\n", "\n4\n", 1))
	if _, err := pub.Open(tampered); !errors.Is(err, ErrBadSignature) {
		t.Errorf("changed size: %v, want ErrBadSignature", err)
	}
	if _, err := pub.Open([]byte("not a note")); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v, want ErrMalformed", err)
	}
	foreign := Checkpoint{Origin: "other.test/audit/record/abc", Size: 1, Hash: leafN(1), Time: c.Time}
	if _, err := pub.Open(append(foreign.Text(), []byte("\n— other.test/audit/record/abc AAAAAAAA\n")...)); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("foreign origin: %v, want ErrUnknownKey", err)
	}
}
