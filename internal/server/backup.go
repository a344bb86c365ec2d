package server

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/service"
	"github.com/akte/akte/store/sqlite"
)

// Backups of the embedded default (docs/operations.md §4): at most 32 days.
const (
	backupPrefix  = "akte-"
	backupStamp   = "20060102T150405Z"
	backupMaxDays = 32
)

// backupAdminCmd is `akte admin backup DIR`: a consistent copy of the
// embedded default's database and blobs into DIR/akte-TIME, while the
// server runs, and the deletion of the copies in DIR older than --keep
// days (at most 32). PostgreSQL and S3 have their own tools (§4).
func backupAdminCmd(e *cli.Env, sub subFunc, asJSON *bool, cfg *Config) *cobra.Command {
	var keep int
	c := sub("backup DIR", e.Tr("die eingebaute Voreinstellung (SQLite + Dateien) im laufenden Betrieb nach DIR sichern und Sicherungen älter als --keep Tage (höchstens 32) löschen",
		"back up the embedded default (SQLite + files) into DIR while the server runs, and delete backups older than --keep days (at most 32)"), 1,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			if keep < 1 || keep > backupMaxDays {
				return cli.Fail(akte.KindInvalid, "backup_keep_invalid", map[string]any{"max": backupMaxDays})
			}
			if (cfg.DB != "" && !strings.HasPrefix(cfg.DB, "sqlite://")) || (cfg.Blobs != "" && !strings.HasPrefix(cfg.Blobs, "file://")) {
				return cli.Fail(akte.KindInvalid, "backup_external", nil)
			}
			res, err := backup(cmd.Context(), *cfg, args[0], time.Duration(keep)*24*time.Hour, time.Now().UTC())
			if err != nil {
				return err
			}
			svc.AdminBackup(cmd.Context(), op, res.Files, len(res.Removed))
			if *asJSON {
				return e.PrintJSON(res)
			}
			e.Printf(e.Tr("Gesichert nach %s (%d Dateien); gelöscht: %d ältere Sicherungen\n", "Backed up to %s (%d files); deleted: %d older backups\n"), res.Backup, res.Files, len(res.Removed))
			return nil
		})
	c.Flags().IntVar(&keep, "keep", backupMaxDays, e.Tr("Sicherungen so viele Tage behalten (höchstens 32)", "keep backups this many days (at most 32)"))
	return c
}

type backupResult struct {
	Backup  string   `json:"backup"`
	Files   int      `json:"files"`
	Removed []string `json:"removed"`
}

// backup copies the database (VACUUM INTO: one consistent state) and then
// the blobs (hard links where the file system allows: a blob file is
// written once and replaced by rename, never changed in place), so that
// the blobs cover everything the copied database refers to. It works in a
// hidden directory and renames it when complete, then deletes the backups
// older than keep.
func backup(ctx context.Context, cfg Config, dir string, keep time.Duration, now time.Time) (*backupResult, error) {
	dbPath := strings.TrimPrefix(cfg.DB, "sqlite://")
	if cfg.DB == "" {
		dbPath = filepath.Join(cfg.Data, "akte.db")
	}
	blobDir := strings.TrimPrefix(cfg.Blobs, "file://")
	if cfg.Blobs == "" {
		blobDir = filepath.Join(cfg.Data, "blobs")
	}
	if _, err := os.Stat(dbPath); err != nil {
		return nil, cli.Fail(akte.KindInvalid, "migrate_no_source", map[string]any{"dir": filepath.Dir(dbPath)})
	}
	name := backupPrefix + now.Format(backupStamp)
	tmp := filepath.Join(dir, ".partial-"+name)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone after the rename; a failure leaves nothing
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	err = st.Backup(ctx, filepath.Join(tmp, "akte.db"))
	st.Close()
	if err != nil {
		return nil, err
	}
	res := &backupResult{Backup: filepath.Join(dir, name), Files: 1, Removed: []string{}}
	err = filepath.WalkDir(blobDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(blobDir, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), "+") { // the store's temporary files
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(tmp, "blobs", rel), 0o700)
		}
		res.Files++
		return linkOrCopy(path, filepath.Join(tmp, "blobs", rel))
	})
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, res.Backup); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, en := range entries {
		n := en.Name()
		stamp, ok := strings.CutPrefix(strings.TrimPrefix(n, ".partial-"), backupPrefix)
		t, perr := time.Parse(backupStamp, stamp)
		if !ok || perr != nil || !en.IsDir() || !t.Before(now.Add(-keep)) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return nil, err
		}
		res.Removed = append(res.Removed, n)
	}
	return res, nil
}

// linkOrCopy hard-links src to dst, or copies it where links fail (another
// file system).
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
