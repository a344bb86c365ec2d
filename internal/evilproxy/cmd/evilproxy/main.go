// Command evilproxy runs the malicious-server proxy of package evilproxy
// for tests in another process (web/test/*.test.mjs): it proxies to the
// server given by --target and prints one JSON line,
// {"proxy": URL, "control": URL}; the control URL takes the rules and
// lists the recorded requests (evilproxy.Proxy.Control). It stops when its
// standard input closes, so it never outlives the test that started it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/akte/akte/internal/evilproxy"
)

func main() {
	target := flag.String("target", "", "URL of the akte server")
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "evilproxy: --target is required")
		os.Exit(2)
	}
	p, err := evilproxy.New(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(ln, p.Control())
	json.NewEncoder(os.Stdout).Encode(map[string]string{"proxy": p.URL, "control": "http://" + ln.Addr().String()})
	io.Copy(io.Discard, os.Stdin)
}
