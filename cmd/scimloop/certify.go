package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/redact"
	"github.com/scimloop/scimloop/profiles"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

// Bundle files that certify writes besides the reports of bundleReports.
const (
	resultsFile    = "results.json"
	plainExchanges = "exchanges.json"       // the exchanges file before it is compressed
	exchangesFile  = plainExchanges + ".gz" // results.json's exchanges, once
	spcFile        = "serviceproviderconfig.json"
	envFile        = "environment.json"
	sumsFile       = "SHA256SUMS"
)

// bundleReports are the reports a bundle holds besides results.json. A HAR
// is not among them: it would hold every exchange a second time, and
// "scimloop report results.json --format har" renders it from the bundle.
var bundleReports = []struct{ format, name string }{
	{"junit", "junit.xml"},
	{"html", "report.html"},
	{"md", "summary.md"},
}

func newCertifyCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "certify [--url URL] --out DIR",
		Short: "Certify a SCIM server with the fixed, versioned profile and write an evidence bundle",
		Long: fmt.Sprintf(`Run the certification profile against a SCIM 2.0 service provider (the
embedded reference server without --url) and write an evidence bundle to --out.

The profile is fixed, so that two certifications under one catalogue version
mean the same thing: check catalogue %s, every scenario (no --only, --skip),
%d property-based sequences of about %d steps, strict (SHOULD-level failures
fail), every request dialect (%s), and the published seeds %s.
Each dialect runs with each seed.
IdP-compatibility failures fail a certification.

That is the default profile, rfc. --profile names another certification
profile (scimloop list --profile NAME prints what it runs): entra-gallery
mirrors Microsoft's 25 app-gallery validation tests in the Entra dialects and
prints "their test -> our checks -> result"; interop and ipsie follow the
interoperability profile drafts in the rfc dialect. The report and
environment.json name the profile and the exact document version it
implements.

The bundle (a fresh, empty --out directory):
  results.json                the canonical result; re-render with scimloop report
                              (--format har gives every exchange as HAR 1.2)
  exchanges.json.gz           every exchange, credentials redacted, each body cut
                              to %d KiB; part of results.json, keep them together
  junit.xml                   JUnit XML
  report.html                 the report for people, self-contained
  summary.md                  the Markdown summary
  serviceproviderconfig.json  the server's /ServiceProviderConfig as discovered
  environment.json            scimloop and catalogue version, Go version, OS/arch,
                              start time, target URL, seeds, dialects, profile
  replay/<dialect>/           replay files of failing sequences, when there are any
  SHA256SUMS                  checksums of every other file; verify with
                              (cd DIR && sha256sum -c SHA256SUMS)

No credential is written to the bundle. Credentials come from SCIMLOOP_TOKEN,
--token-file, --header or the OAuth2 flags, and TLS is set up with --ca-cert
and --client-cert, as for "scimloop run".

Exit codes: 0 certified (every MUST and SHOULD check passed, in every dialect);
1 a failure; 2 a usage error (such as a non-empty --out); 3 the target could
not be reached or the run could not complete (also when the harness itself
failed: a panic or an internal error, named in the report).`,
			harness.CatalogueVersion, harness.CertifySequences, harness.CertifySteps,
			strings.Join(harness.CertifyDialects(), ", "), seedList(harness.CertifySeeds()),
			harness.CertifyBodyCap>>10),
		Example: `  scimloop certify --out certification
  SCIMLOOP_TOKEN=... scimloop certify --url https://scim.example.com/scim/v2 --out certification
  scimloop certify --profile entra-gallery --url https://scim.example.com/scim/v2 --out gallery
  (cd certification && sha256sum -c SHA256SUMS)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCertify(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, os.Args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "SCIM base URL of the server to certify (default: the embedded reference server)")
	fl.StringVar(&f.out, "out", "./scimloop-certification", "directory for the bundle; must be new or empty")
	fl.BoolVar(&f.quiet, "quiet", false, "print only the verdict line and the bundle")
	fl.StringVar(&f.profile, "profile", profiles.Default, "certification profile: "+strings.Join(profiles.Names(), ", ")+" (scimloop list --profile NAME prints one)")
	f.registerPersonality(cmd)
	f.registerClient(cmd)
	return cmd
}

func seedList(seeds []int64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

func runCertify(parent context.Context, stdout, stderr io.Writer, f runFlags, argv []string) error {
	if parent == nil {
		parent = context.Background()
	}
	prof, err := profiles.Lookup(f.profile)
	if err != nil {
		return usageErr("--profile: %v", err)
	}
	if err := checkEmptyDir(f.out); err != nil {
		return err
	}
	conn, err := f.resolveTarget(stderr, nil)
	if err != nil {
		return err
	}
	defer conn.stop()
	target, clientOpts, secrets, reproBase := conn.target, conn.opts, conn.secrets, conn.repro
	embedded := f.url == ""

	ctx, abort, stopSignals := interruptible(parent, stderr)
	defer stopSignals()

	replays := &certifyReplays{dir: filepath.Join(f.out, "replay")}
	opts := []harness.Option{
		harness.WithClientOptions(clientOpts...), harness.WithMaxResources(f.maxResources),
		harness.WithAbort(abort), harness.WithCommand(redactArgs(argv, secrets), reproBase),
		harness.WithReplayWriter(replays.write), harness.WithCertProfile(prof),
	}
	var bar *progressLine
	if wantProgress(stdout, stderr, f.quiet) {
		bar = newProgressLine(stderr)
		opts = append(opts, harness.WithProgress(certifyProgress(bar, prof)))
	}
	run, runErr := harness.Certify(ctx, target, opts...)
	bar.clear()
	run.Target = safeURL(run.Target, secrets)

	env := newCertEnvironment(run, embedded)
	files, err := writeBundle(f.out, run, env, secrets, stderr)
	if err != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing the bundle: %v", err)}
	}
	if err := appendStepSummary(func(w io.Writer) error { return reports.WriteMarkdown(w, run) }); err != nil {
		fmt.Fprintln(stderr, "scimloop: warning:", err)
	}
	printSummary(stdout, run, f.out, true)
	if !f.quiet {
		printFailures(stdout, run)
	}
	printCertification(stdout, run)
	for _, p := range replays.paths {
		cmdline := "scimloop replay " + shellQuote(p)
		if !embedded {
			cmdline += " --url " + shellQuote(run.Target)
		}
		fmt.Fprintf(stdout, "  replay: %s\n", cmdline)
	}
	fmt.Fprintf(stdout, "bundle: %s (%d files: %s)\nverify: (cd %s && sha256sum -c %s)\n",
		f.out, len(files), strings.Join(files, ", "), shellQuote(f.out), sumsFile)
	if err := harnessExit(runErr); err != nil {
		return err // the harness itself failed: no verdict in the bundle can be trusted
	}
	switch {
	case run.Verdict.MustFailures > 0:
		return &exitError{code: exitFailed, err: errors.New("")}
	case runErr != nil:
		if err, ok := preflightExit(runErr, conn.credentials, secrets); ok {
			return err // nothing was judged; the message names the fix
		}
		return &exitError{code: exitIncomplete, err: runErr}
	case run.Verdict.Errored > 0:
		return &exitError{code: exitIncomplete, err: fmt.Errorf("%d checks could not be judged (status error); see %s", run.Verdict.Errored, filepath.Join(f.out, resultsFile))}
	}
	return nil
}

// certifyReplays writes the replay files of failing sequences under
// dir/<dialect>/, one directory per dialect, since the seeds repeat across
// dialects.
type certifyReplays struct {
	dir   string
	paths []string
}

func (r *certifyReplays) write(f *sequences.ReplayFile) (string, error) {
	dir := filepath.Join(r.dir, cmp.Or(f.Dialect, "rfc"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, f.FileName())
	if err := writeFile(path, f.Write); err != nil {
		return "", err
	}
	r.paths = append(r.paths, path)
	return path, nil
}

// certifyProgress prefixes the progress line with the run's place in the
// profile: "[run 3/12: entra, seed 2026] ".
func certifyProgress(bar *progressLine, prof profiles.Profile) func(harness.ProgressEvent) {
	dialects, seeds := prof.Dialects, prof.Seeds
	total := len(dialects) * len(seeds)
	return func(ev harness.ProgressEvent) {
		n := slices.Index(dialects, ev.Dialect)*len(seeds) + slices.Index(seeds, ev.Seed) + 1
		bar.setPrefix(fmt.Sprintf("[run %d/%d: %s, seed %d] ", max(n, 1), total, ev.Dialect, ev.Seed))
		bar.event(ev)
	}
}

// interruptible returns a context that the first SIGINT or SIGTERM cancels
// (the run still cleans up and writes what it has) and a channel that the
// second closes (cleanup is abandoned at once). Call stop when done.
func interruptible(parent context.Context, stderr io.Writer) (context.Context, chan struct{}, func()) {
	ctx, cancel := context.WithCancel(parent)
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-done:
				return
			case <-sigs:
				n++
				if n == 1 {
					fmt.Fprintln(stderr, "scimloop: interrupted: cleaning up what the run created (interrupt again to abort at once)")
					cancel()
					continue
				}
				close(abort)
				return
			}
		}
	}()
	return ctx, abort, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// checkEmptyDir accepts a directory that does not exist or is empty: a
// bundle holds exactly what one certification wrote.
func checkEmptyDir(dir string) error {
	if dir == "" {
		return usageErr("--out: a directory is required")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return usageErr("--out %s: %v", dir, err)
	case len(entries) > 0:
		return usageErr("--out %s is not empty: certify writes a fresh bundle; choose a new directory or remove this one", dir)
	}
	return nil
}

// safeURL returns u redacted by the rules of every report (the password of
// its user information masked, secret parameters and every secret
// replaced), so that it can be written down.
func safeURL(u string, secrets []string) string {
	return redact.URL(u, redact.Secrets(1, secrets...))
}

// certEnvironment is environment.json: what produced the bundle.
type certEnvironment struct {
	Tool             string `json:"tool"`
	Version          string `json:"version"`
	CatalogueVersion string `json:"catalogueVersion"`
	Profile          string `json:"profile"`
	// CertProfile and Implements name the certification profile followed
	// and the document, with its exact version, that it implements.
	CertProfile     string          `json:"certificationProfile,omitempty"`
	Implements      string          `json:"implements,omitempty"`
	Strict          bool            `json:"strict"`
	Seeds           []int64         `json:"seeds"`
	Dialects        []string        `json:"dialects"`
	Sequences       int             `json:"sequences"` // property-based sequences per dialect and seed
	Steps           int             `json:"steps"`     // average steps per sequence
	GoVersion       string          `json:"goVersion"`
	OS              string          `json:"os"`
	Arch            string          `json:"arch"`
	Started         string          `json:"started"`
	DurationSeconds float64         `json:"durationSeconds"`
	Target          string          `json:"target"`
	Embedded        bool            `json:"embeddedReferenceServer"`
	Command         string          `json:"command,omitempty"`
	Verdict         reports.Verdict `json:"verdict"`
}

func newCertEnvironment(run *reports.Run, embedded bool) certEnvironment {
	env := certEnvironment{
		Tool: "scimloop", Version: run.Version, CatalogueVersion: run.Catalogue,
		Profile: run.Profile, Strict: run.Strict, Seeds: run.Seeds, Dialects: run.Dialects,
		Sequences: harness.CertifySequences, Steps: harness.CertifySteps,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		Started: run.Started.UTC().Format(time.RFC3339), DurationSeconds: run.Duration,
		Target: run.Target, Embedded: embedded, Command: run.Command, Verdict: run.Verdict,
	}
	if c := run.Certification; c != nil {
		env.CertProfile, env.Implements = c.Profile, c.Implements
	}
	return env
}

// writeBundle writes the certification bundle into dir and returns the names
// of its files (relative, slash-separated, sorted; SHA256SUMS last). Every
// file is searched for the secrets before the checksums are taken; a secret
// found is redacted in place and reported, as it means a redaction bug.
func writeBundle(dir string, run *reports.Run, env certEnvironment, secrets []string, stderr io.Writer) ([]string, error) {
	if err := writeBundleReports(dir, run); err != nil {
		return nil, err
	}
	if spc := serviceProviderConfig(run); spc != nil {
		if err := writeFile(filepath.Join(dir, spcFile), func(w io.Writer) error { _, err := w.Write(spc); return err }); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintf(stderr, "scimloop: warning: no successful GET /ServiceProviderConfig was recorded; the bundle has no %s\n", spcFile)
	}
	if err := writeFile(filepath.Join(dir, envFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(env)
	}); err != nil {
		return nil, err
	}
	files, err := bundleFiles(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		leaked, err := redactFile(filepath.Join(dir, filepath.FromSlash(name)), secrets)
		if err != nil {
			return nil, err
		}
		if leaked {
			fmt.Fprintf(stderr, "scimloop: warning: a credential reached %s and was redacted there; this is a scimloop bug, please report it\n", name)
		}
	}
	// Compressed only now, so that the search above read the exchanges.
	if err := gzipFile(filepath.Join(dir, plainExchanges), filepath.Join(dir, exchangesFile)); err != nil {
		return nil, err
	}
	if files, err = bundleFiles(dir); err != nil {
		return nil, err
	}
	var sums bytes.Buffer
	for _, name := range files {
		sum, err := fileSHA256(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, name)
	}
	if err := writeFile(filepath.Join(dir, sumsFile), func(w io.Writer) error { _, err := w.Write(sums.Bytes()); return err }); err != nil {
		return nil, err
	}
	return append(files, sumsFile), nil
}

// writeBundleReports writes results.json, with its exchanges in a file of
// their own (uncompressed for now, see gzipFile), and the bundleReports.
func writeBundleReports(dir string, run *reports.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, rf := range bundleReports {
		if err := writeFile(filepath.Join(dir, rf.name), func(w io.Writer) error { return reports.Render(rf.format, w, run) }); err != nil {
			return err
		}
	}
	results := *run
	results.Exchanges, results.ExchangesFile = nil, exchangesFile
	if err := writeFile(filepath.Join(dir, resultsFile), func(w io.Writer) error { return reports.WriteJSON(w, &results) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, plainExchanges), func(w io.Writer) error { return reports.WriteExchanges(w, run.Exchanges) })
}

// gzipFile compresses src into dst and removes src.
func gzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	err = writeFile(dst, func(w io.Writer) error {
		zw := gzip.NewWriter(w)
		if _, err := io.Copy(zw, in); err != nil {
			return err
		}
		return zw.Close()
	})
	if err != nil {
		return err
	}
	in.Close()
	return os.Remove(src)
}

// bundleFiles lists the regular files under dir except SHA256SUMS, as
// slash-separated relative paths in sorted order.
func bundleFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != sumsFile {
			files = append(files, rel)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// minSecretLen is the shortest secret that writeBundle searches the bundle
// for.
const minSecretLen = 6

// redactFile replaces every secret in the file at path and reports whether
// there was one.
func redactFile(path string, secrets []string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	// A secret shorter than minSecretLen matches by chance; run's redaction
	// covers it.
	b, found := redact.Bytes(b, redact.Secrets(minSecretLen, secrets...))
	if !found {
		return false, nil
	}
	return true, writeFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// serviceProviderConfig returns the body of the run's first successful GET
// of /ServiceProviderConfig, indented, or nil when there is none.
func serviceProviderConfig(run *reports.Run) []byte {
	for _, ex := range run.Exchanges {
		u, err := url.Parse(ex.URL)
		if err != nil || ex.Method != "GET" || ex.Status != 200 || ex.ResponseBody == "" {
			continue
		}
		if !strings.EqualFold(pathBase(u.Path), "ServiceProviderConfig") && !strings.EqualFold(pathBase(u.Path), "ServiceProviderConfigs") {
			continue
		}
		var out bytes.Buffer
		if err := json.Indent(&out, []byte(ex.ResponseBody), "", "  "); err != nil {
			return []byte(ex.ResponseBody)
		}
		out.WriteByte('\n')
		return out.Bytes()
	}
	return nil
}

func pathBase(p string) string {
	p = strings.TrimSuffix(p, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
