package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
)

// openPTY opens a pseudo-terminal: what reconcile writes to tty, the test
// reads from the returned buffer once done is called. Without /dev/ptmx the
// test is skipped.
func openPTY(t *testing.T) (tty *os.File, done func() string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var n uint32
	var unlock int32
	var ioctlErr error
	rc, err := master.SyscallConn()
	require.NoError(t, err)
	require.NoError(t, rc.Control(func(fd uintptr) {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
			ioctlErr = e
		} else if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
			ioctlErr = e
		}
	}))
	if ioctlErr != nil {
		master.Close()
		t.Skipf("no pseudo-terminal: %v", ioctlErr)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(&out, master) // ends with EIO once tty is closed
		close(copied)
	}()
	return tty, func() string {
		tty.Close()
		<-copied
		master.Close()
		return out.String()
	}
}

// TestReconcileProgressOnATerminal: on a terminal reconcile draws its
// progress line (and clears it before the summary); --quiet draws none.
func TestReconcileProgressOnATerminal(t *testing.T) {
	p := refserver.Preload{Users: 300, Groups: 3, MembersPerGroup: 10, Seed: 2}
	base := preloaded(t, "", p)
	dir := t.TempDir()
	src := filepath.Join(dir, "tenant.jsonl")
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, execute([]string{"reconcile", "--url", base, "--export", src, "--quiet"}, &out, &errb), "%s", &errb)
	for _, quiet := range []bool{false, true} {
		tty, done := openPTY(t)
		f := reconcileFlags{source: src, pageSize: 50, concurrency: 2}
		f.conn.url, f.conn.out, f.conn.quiet, f.conn.timeout = base, filepath.Join(dir, fmt.Sprint(quiet)), quiet, 10e9
		err := runReconcile(context.Background(), tty, tty, f)
		got := strings.ReplaceAll(done(), "\r\n", "\n") // the terminal's own newline translation
		require.NoError(t, err, got)
		assert.Contains(t, got, "scimloop reconcile: in-sync")
		if quiet {
			assert.NotContains(t, got, "\r", "--quiet draws no progress")
			continue
		}
		assert.Contains(t, got, "\rreconcile ", "no progress line on a terminal")
		assert.Regexp(t, `\d+ pages · \d+ read · \d+ compared`, got)
		last := strings.LastIndex(got, "\r")
		assert.Less(t, last, strings.Index(got, "scimloop reconcile: in-sync"), "the line is cleared before the summary")
	}
}
