//go:build js

package audit

import (
	"syscall/js"
	"time"
)

// cpuTime returns the CPU time of the JavaScript host (node's
// process.cpuUsage) when the benchmarks run as WebAssembly.
func cpuTime() time.Duration {
	p := js.Global().Get("process")
	if p.IsUndefined() {
		return 0
	}
	u := p.Call("cpuUsage")
	return time.Duration(u.Get("user").Int()+u.Get("system").Int()) * time.Microsecond
}
