package reports

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// CapBodies cuts every request and response body of exs to at most limit
// bytes (at a UTF-8 character boundary), in place. An exchange with a body
// cut is marked Truncated and says in RequestBodyCut or ResponseBodyCut how
// many bytes were left out, so a reader knows the record is a prefix.
// A limit of zero or less leaves the bodies whole.
func CapBodies(exs []Exchange, limit int) {
	if limit <= 0 {
		return
	}
	for i := range exs {
		ex := &exs[i]
		var cut int
		ex.RequestBody, cut = capText(ex.RequestBody, limit)
		ex.RequestBodyCut += cut
		ex.ResponseBody, cut = capText(ex.ResponseBody, limit)
		ex.ResponseBodyCut += cut
		if ex.RequestBodyCut > 0 || ex.ResponseBodyCut > 0 {
			ex.Truncated = true
		}
	}
}

// capText returns s cut to at most limit bytes, not inside a UTF-8
// sequence, and the number of bytes cut.
func capText(s string, limit int) (string, int) {
	if len(s) <= limit {
		return s, 0
	}
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], len(s) - n
}

// WriteExchanges writes exs as a JSON array with one exchange per line: the
// exchanges file of a certification bundle ([Run.ExchangesFile]), which the
// caller may compress. The output depends only on exs.
func WriteExchanges(w io.Writer, exs []Exchange) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, ex := range exs {
		b, err := json.Marshal(ex)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// ReadExchanges reads what [WriteExchanges] wrote.
func ReadExchanges(r io.Reader) ([]Exchange, error) {
	var exs []Exchange
	if err := json.NewDecoder(r).Decode(&exs); err != nil {
		return nil, err
	}
	return exs, nil
}

// ReadFile reads the results.json at path. When the run keeps its exchanges
// in a file of its own ([Run.ExchangesFile], as a certification bundle
// does), that file is read from the directory of path into Exchanges and
// ExchangesFile is cleared, so the Run renders in every format as if the
// exchanges had been inline.
func ReadFile(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run, err := ReadJSON(f)
	if err != nil {
		return nil, err
	}
	if err := run.LoadExchanges(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// LoadExchanges reads the file named by ExchangesFile from dir into
// Exchanges and clears ExchangesFile; a name ending in ".gz" is read
// through gzip. It does nothing when ExchangesFile is
// empty. The name must be a plain file name: results.json cannot point
// outside its own directory.
func (r *Run) LoadExchanges(dir string) error {
	name := r.ExchangesFile
	if name == "" {
		return nil
	}
	if name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || name == ".." || name == "." {
		return fmt.Errorf("exchangesFile %q is not a file name in the same directory", name)
	}
	if len(r.Exchanges) > 0 {
		return errors.New("the exchanges are both inline and in exchangesFile " + name)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("its exchanges file: %w", err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("the exchanges in %s: %w", name, err)
		}
		defer zr.Close()
		in = zr
	}
	exs, err := ReadExchanges(in)
	if err != nil {
		return fmt.Errorf("the exchanges in %s: %w", name, err)
	}
	r.Exchanges, r.ExchangesFile = exs, ""
	return nil
}
