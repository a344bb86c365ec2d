// Package server holds the operator's side of the akte binary: `akte
// serve` (the configuration from flags and AKTE_* variables, the stores
// it names, the HTTP server and the jobs) and `akte admin` (the
// operator's tools, the migration to PostgreSQL and S3 among them).
// cmd/akte adds these commands beside the patient's; they share the
// language and error rendering of package cli (decision 0017).
package server

import (
	"github.com/spf13/cobra"

	"github.com/akte/akte/internal/cli"
)

// Commands returns `serve` and `admin`.
func Commands(e *cli.Env) []*cobra.Command { return []*cobra.Command{serveCmd(e), adminCmd(e)} }
