package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAuthenticatorChange: akte authenticator shows a new secret, takes
// the new app's first code from standard input and switches; afterwards the
// old app's codes fail and the new one's log in. A mis-scan (a code of the
// old app typed as the new one's) changes nothing.
func TestAuthenticatorChange(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "telefon@example.org")
	u.register(testKVNR)
	u.login()

	// change runs akte authenticator; newCode makes the new app's code
	// from the secret the command shows.
	change := func(newCode func(secret string) string) (stdout string, code int) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, akteBin, "authenticator", "--totp", u.code(), "--password-stdin")
		cmd.Env = append(os.Environ(), "AKTE_SERVER="+u.srv.URL, "AKTE_HOME="+u.Home, "AKTE_PASSWORD="+u.Password, "AKTE_LANG=de")
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		var errb strings.Builder
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		sc := bufio.NewScanner(out)
		secretRe := regexp.MustCompile(`secret=([A-Z2-7]+)`)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if m := secretRe.FindStringSubmatch(sc.Text()); m != nil {
				io.WriteString(in, newCode(m[1])+"\n")
				in.Close()
			}
		}
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			return all.String() + errb.String(), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return all.String(), 0
	}
	old := u.TOTP
	// A mis-scan: the old app's code as the new one's.
	if out, code := change(func(string) string { return u.peekCode() }); code == 0 || !says(out, "totp_new_wrong", nil) {
		t.Fatalf("mis-scan: exit %d\n%s", code, out)
	}
	var next string
	out, code := change(func(secret string) string {
		next = secret
		v := *u
		v.TOTP = secret
		return v.code()
	})
	if code != 0 || !strings.Contains(out, "neue Authenticator-App gilt ab jetzt") {
		t.Fatalf("change: exit %d\n%s", code, out)
	}
	srv.lastMail(u.Email, "Authenticator-App wurde gewechselt") // the mailer sends in the background
	if n := srv.mails(u.Email, "Authenticator-App wurde gewechselt"); n != 1 {
		t.Errorf("%d notices mailed", n)
	}
	u.ok("logout")
	if msg := u.fails("login", "--email", u.Email, "--totp", u.peekCode()); !says(msg, "login_failed", nil) {
		t.Errorf("old app: %q", msg)
	}
	// The server accepts each time step once, whichever app made the code:
	// the new app's next code is of a later step than any used before.
	totpUsed.Lock()
	totpUsed.m[next] = max(totpUsed.m[next], totpUsed.m[old])
	totpUsed.Unlock()
	u.TOTP = next
	u.login()
	if u.TOTP == old {
		t.Fatal("same secret")
	}
}
