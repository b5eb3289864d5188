package specdoc

import (
	"os"
	"path/filepath"
	"testing"
)

// envUpdate makes the test rewrite the files instead of checking them
// (make docs).
const envUpdate = "ECHOSPEC_UPDATE_DOCS"

// TestDocsCurrent fails when SPEC.md or the README's spec tables differ
// from what the code says.
func TestDocsCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	specPath, readmePath := filepath.Join(root, "SPEC.md"), filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	newReadme, err := SpliceREADME(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{specPath: SPEC(), readmePath: newReadme}
	for path, content := range want {
		if os.Getenv(envUpdate) == "1" {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("%s is stale: run `make docs` (it is generated from the specs' catalog and bounds)", filepath.Base(path))
		}
	}
}
