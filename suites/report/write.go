package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// Title heads the conformance reports.
const Title = "echospec conformance matrix"

// Write renders the matrix into dir as matrix.md and index.html.
func (m Matrix) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	page, err := m.HTML(Title)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), page, 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	md := "# " + Title + "\n\n" + m.Markdown()
	if err := os.WriteFile(filepath.Join(dir, "matrix.md"), []byte(md), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
