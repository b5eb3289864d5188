package conformancetest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/echospec/echospec/fixtures/target"
)

// readmeSection is the heading (a part of it) of the README's Go API
// section.
const readmeSection = "the Go API"

// exampleModule is the example module the section walks through.
const exampleModule = "examples/myengine"

// TestREADMEGoAPICompiles builds the Go code of the README's Go API section
// as an engine author would use it: each Go block is a test file of its
// own package in a fresh module, example.com/myengine, whose root package
// is a tiny engine with Start(addr) (*Server, error), requiring this
// module by a replace of the checkout. It runs go vet there (which
// compiles the tests), offline: GOPROXY=off, from the module cache.
// Where the section walks through the example module, each Go block must
// be a file of it, verbatim.
func TestREADMEGoAPICompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	root, err := target.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(root, "README.md")
	if p := os.Getenv("ECHOSPEC_README"); p != "" { // a draft of it
		readme = p
	}
	section, blocks := readmeGoBlocks(t, readme)
	if len(blocks) == 0 {
		t.Fatalf("README.md: no Go code block in the section %q", readmeSection)
	}

	// Quoted files of the example module are verbatim.
	if strings.Contains(section, exampleModule) {
		for i, b := range blocks {
			if !exampleFileWith(t, filepath.Join(root, exampleModule), b) {
				t.Errorf("README.md's %q section quotes %s, but its Go block %c is no file of it verbatim:\n%s", readmeSection, exampleModule, 'a'+i, b)
			}
		}
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	dir := t.TempDir()
	modFile, err := os.ReadFile(filepath.Join(root, exampleModule, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod := regexp.MustCompile(`(?m)^replace github.com/echospec/echospec => .*$`).
		ReplaceAllString(string(modFile), "replace github.com/echospec/echospec => "+root)
	write(t, filepath.Join(dir, "go.mod"), mod)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	exSum, _ := os.ReadFile(filepath.Join(root, exampleModule, "go.sum"))
	write(t, filepath.Join(dir, "go.sum"), string(sum)+string(exSum))
	write(t, filepath.Join(dir, "myengine.go"), tinyEngine)
	for i, b := range blocks {
		write(t, filepath.Join(dir, "block"+string(rune('a'+i)), "readme_test.go"), b)
	}

	cmd := exec.Command(goBin, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the README's Go code does not build as written (go vet in a module of its own): %v\n%s", err, out)
		for i, b := range blocks {
			t.Logf("block %c:\n%s", 'a'+i, b)
		}
	}
}

// readmeGoBlocks returns the text of the README's Go API section and the
// Go code blocks in it.
func readmeGoBlocks(t *testing.T, path string) (string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var section strings.Builder
	var blocks []string
	var block *strings.Builder
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if block == nil && strings.HasPrefix(line, "#") {
			if in && (strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ")) {
				break // the next section
			}
			if strings.HasPrefix(line, "### ") && strings.Contains(line, readmeSection) {
				in = true
			}
		}
		if !in {
			continue
		}
		section.WriteString(line + "\n")
		switch {
		case block == nil && strings.TrimSpace(line) == "```go":
			block = &strings.Builder{}
		case block != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, block.String())
			block = nil
		case block != nil:
			block.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !in {
		t.Fatalf("%s: no section whose heading contains %q", path, readmeSection)
	}
	return section.String(), blocks
}

// exampleFileWith reports whether a Go file of the example module holds
// exactly text.
func exampleFileWith(t *testing.T, dir, text string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || found || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && string(b) == text {
			found = true
		}
		return nil
	})
	return found
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyEngine is the engine package the README's code imports: its own
// server type, as an author has.
const tinyEngine = `// Package myengine stands in for an engine author's package.
package myengine

import "net"

// Server is the author's own server type.
type Server struct{ ln net.Listener }

// Start listens on addr.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{ln}, nil
}

func (s *Server) Addr() string { return s.ln.Addr().String() }
func (s *Server) Close() error { return s.ln.Close() }
`
