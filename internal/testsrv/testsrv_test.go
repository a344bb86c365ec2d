package testsrv

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func TestPostgres(t *testing.T) {
	u1, u2 := Postgres(t), Postgres(t)
	if u1 == u2 {
		t.Fatalf("two calls returned the same database %s", u1)
	}
	conn, err := pgx.Connect(t.Context(), u1)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var fsync, user string
	if err := conn.QueryRow(t.Context(), "SELECT current_setting('fsync'), current_user").Scan(&fsync, &user); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" || user != "postgres" {
		t.Errorf("fsync = %s, user = %s; want on, postgres", fsync, user)
	}
}

func TestS3(t *testing.T) {
	endpoint, access, secret, b1 := S3(t)
	_, _, _, b2 := S3(t)
	if b1 == b2 {
		t.Fatalf("two calls returned the same bucket %s", b1)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(access, secret, ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{b1, b2} {
		n := 0
		for obj := range c.ListObjects(t.Context(), b, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatalf("list %s: %v", b, obj.Err)
			}
			n++
		}
		if n != 0 {
			t.Errorf("new bucket %s has %d objects", b, n)
		}
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"TestStore/AccountRoundTrip", "teststore_accountroundtrip"},
		{"Test__x//y", "test_x_y"},
		{"ÄÖ", ""},
		{"abcdefghij", "ghij"},
	}
	for _, tt := range tests {
		n := 40
		if tt.in == "abcdefghij" {
			n = 4
		}
		if got := safeName(tt.in, '_', n); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCluster(t *testing.T) {
	c := NewPostgres(t)
	ctx := t.Context()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	if err := exec("SELECT 1"); err == nil {
		t.Fatal("the stopped cluster answers")
	}
	c.Start()
	if err := exec("SELECT n FROM kept"); err != nil {
		t.Fatalf("after Start: %v", err)
	}
}
