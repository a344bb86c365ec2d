package testsrv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgBinGlob is where Debian's postgresql-NN packages put the server.
const pgBinGlob = "/usr/lib/postgresql/*/bin"

type pgServer struct {
	port  int
	admin *pgxpool.Pool // to the "postgres" database, for CREATE DATABASE
	n     atomic.Int64  // databases created
}

var (
	pgOnce sync.Once
	pg     *pgServer
	pgErr  error
)

// Postgres returns the URL of a new, empty database on a PostgreSQL server
// that it starts on first use and that Run stops. The database is dropped
// when t ends.
//
// The server runs from Debian's binaries under /usr/lib/postgresql/*/bin
// (the highest version found), as the postgres user when the tests run as
// root (initdb and postgres refuse root), with trust authentication on
// 127.0.0.1 and fsync on, as in production. Postgres fails t if the server
// cannot start; it does not skip.
func Postgres(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pg, pgErr = startPostgres() })
	if pgErr != nil {
		t.Fatalf("testsrv: PostgreSQL: %v", pgErr)
	}
	name := fmt.Sprintf("t%d_%s", pg.n.Add(1), safeName(t.Name(), '_', 40))
	ident := pgx.Identifier{name}.Sanitize()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pg.admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("testsrv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends connections a test left open.
		if _, err := pg.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Logf("testsrv: drop database %s: %v", name, err)
		}
	})
	return pg.url(name)
}

func (s *pgServer) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

func startPostgres() (_ *pgServer, err error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	cred, err := postgresUser()
	if err != nil {
		return nil, err
	}
	dir, err := tempDir("pg")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C",
		// The server runs with fsync on; syncing the template files that
		// initdb writes only makes the start slower.
		"--no-sync", "--no-instructions")
	initdb.Dir = dir
	if err := run(60*time.Second, initdb, cred); err != nil {
		return nil, err
	}

	for try := 1; ; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
			"-p", strconv.Itoa(port), "-k", dir,
			"-c", "listen_addresses=127.0.0.1",
			"-c", "fsync=on",
			"-c", "max_connections=300",
			"-c", "shared_buffers=64MB")
		cmd.Dir = dir
		p, err := start("postgres", cmd, cred)
		if err != nil {
			return nil, err
		}
		s := &pgServer{port: port}
		err = p.waitReady(30*time.Second, func(ctx context.Context) error {
			conn, err := pgx.Connect(ctx, s.url("postgres"))
			if err != nil {
				return err
			}
			return conn.Close(ctx)
		})
		if err != nil {
			p.stop(syscall.SIGKILL, 5*time.Second)
			if try < 3 && strings.Contains(p.log.String(), "could not bind") {
				continue // someone took the port
			}
			return nil, err
		}
		s.admin, err = pgxpool.New(context.Background(), s.url("postgres")+"&pool_max_conns=4")
		if err != nil {
			p.stop(syscall.SIGKILL, 5*time.Second)
			return nil, err
		}
		atExit(func() {
			s.admin.Close()
			// Immediate shutdown: the data is thrown away anyway.
			p.stop(syscall.SIGQUIT, 10*time.Second)
			os.RemoveAll(dir)
		})
		return s, nil
	}
}

// postgresBin returns the directory of the newest installed PostgreSQL
// server.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob(pgBinGlob)
	var found []string
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "postgres")) && fileExists(filepath.Join(d, "initdb")) {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("no PostgreSQL server in %s (postgres and initdb); "+
			"`make test` installs it (apt-get install postgresql)", pgBinGlob)
	}
	version := func(d string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		return n
	}
	return slices.MaxFunc(found, func(a, b string) int { return version(a) - version(b) }), nil
}

// postgresUser returns the credentials to run the server with: those of
// the postgres user when running as root, else nil (the current user).
func postgresUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and PostgreSQL refuses root, but there is no postgres user " +
			"(the postgresql package creates it)")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
