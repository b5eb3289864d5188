package engine

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestEchoes checks Echoes against a server that uppercases, one that
// echoes unchanged, and one that closes without answering.
func TestEchoes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(c net.Conn)
		want  string // "" for no error, else a part of it
	}{
		{"upper", func(c net.Conn) { b := make([]byte, 1); c.Read(b); Upper(b); c.Write(b) }, ""},
		{"plain echo", func(c net.Conn) { b := make([]byte, 1); c.Read(b); c.Write(b) }, `got "a"`},
		// It reads the byte before it closes: a close with the byte still
		// unread would send an RST, and the client would see "reset"
		// or EOF depending on timing.
		{"closes", func(c net.Conn) { c.Read(make([]byte, 1)) }, "read: EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				tc.serve(c)
				c.Close()
			}()
			err = Echoes(ln.Addr().String(), time.Now().Add(5*time.Second))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Echoes: %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Echoes: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
