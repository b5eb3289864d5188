package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/types"
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

// ReadJSON reads a Ginkgo JSON report (a list of suite reports) and
// builds the matrix of all of them.
func ReadJSON(path string) (Matrix, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Matrix{}, fmt.Errorf("reports: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		return Matrix{}, fmt.Errorf("reports: %s: %w", path, err)
	}
	var all types.Report
	for _, r := range reports {
		all.SpecReports = append(all.SpecReports, r.SpecReports...)
	}
	return Build(all), nil
}
