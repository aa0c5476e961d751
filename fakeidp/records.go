package fakeidp

import (
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// A run keeps every exchange it makes, tens of thousands of them, and what
// it keeps costs every later request. Kept as Exchange values they would
// be pointer-rich memory that the garbage collector scans in every cycle.
// Kept anywhere in the Go heap they would grow it, and the collector lets
// the heap grow by as much again before its next cycle: the spans every
// request's short-lived values are made in then come from memory the
// process never touched, and each first touch of a page is a fault (11 µs
// measured on this project's machines, a fifth of a request to a server
// on loopback). So the recorder keeps each exchange as a record,
// pointer-free, with its text and bytes copied into large blocks, mapped
// outside the Go heap once the recorder is past its first MiB (see
// offHeap; in Go memory where mapping is not available), faulted in beside
// the requests (see readyBlocks) and, once a block is 2 MiB, in huge
// pages. Names (scenario, method, the request header a client sends every
// time) are interned once. Nothing outside the recorder ever points into a
// block: an Exchange handed out holds copies (see ExchangesFrom), so that
// the blocks can be unmapped when the recorder is collected.
//
// BenchmarkRequests measures what is left against a plain net/http loop.

// record is one exchange as the recorder keeps it. Its number is its index
// plus one.
type record struct {
	started    int64 // Unix nanoseconds
	latency    time.Duration
	url        span
	reqHeader  span
	reqBody    span
	respHeader span
	respBody   span
	scenario   int32 // index in names
	method     int32 // index in names
	status     int32
	attempt    int32
	err        int32 // index in errs plus one; 0 for none
	truncated  bool
}

// span says where a record's text or bytes are: n bytes at off in block,
// or, with block internedSpan, the name at index off. n is -1 for nil
// bytes, so that a request without a body stays one.
type span struct {
	block, off, n int32
}

const internedSpan = -1

// recordChunk is how many records the recorder keeps in one block: growing
// one slice of them would copy them all, again and again, as a run goes.
const recordChunk = 512

// keepRecord keeps rec as the next record. Called with r.mu held.
func (r *Recorder) keepRecord(rec record) {
	if r.count%recordChunk == 0 {
		r.records = append(r.records, r.nextRecords.take(&r.mu, recordChunk, recordChunk, r.mem.records)[:0])
	}
	last := &r.records[len(r.records)-1]
	*last = append(*last, rec)
	r.count++
}

// Block sizes of the recorder's arena.
const (
	minArena     = 4 << 10
	maxArena     = hugePage
	maxArenaBody = 256 << 10 // a larger one is a block of its own
	hugePage     = 2 << 20
	// maxKept is the most a record can address; WithMaxBody is capped to it.
	maxKept = 1 << 30
)

// carve cuts n bytes from the arena, starting a new block when the current
// one is short, and returns them and where they start in the current
// block. Called with r.mu held.
func (r *Recorder) carve(n int) ([]byte, int) {
	if n == 0 {
		return nil, 0
	}
	if len(r.arena) < n {
		r.arenaBlock = max(min(2*r.arenaBlock, maxArena), minArena, n)
		r.arena = r.nextBlock.take(&r.mu, r.arenaBlock, min(2*r.arenaBlock, maxArena), r.mem.bytes)
		r.blocks = append(r.blocks, r.arena)
		r.current = int32(len(r.blocks) - 1)
	}
	off := len(r.blocks[r.current]) - len(r.arena)
	buf := r.arena[:n:n]
	r.arena = r.arena[n:]
	return buf, off
}

// frozen returns b as a string without copying it. Only for a buffer that
// nothing writes to again.
func frozen(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// place copies b into the arena and returns where it is kept; a b too
// large for the arena is kept as it is, a block of its own, in Go memory.
// Called with r.mu held.
func (r *Recorder) place(b []byte) span {
	switch {
	case b == nil:
		return span{n: -1}
	case len(b) == 0:
		return span{}
	case len(b) > maxArenaBody:
		r.blocks = append(r.blocks, b[:len(b):len(b)])
		return span{int32(len(r.blocks) - 1), 0, int32(len(b))}
	}
	buf, off := r.carve(len(b))
	copy(buf, b)
	return span{r.current, int32(off), int32(len(buf))}
}

// placeString is place for text.
func (r *Recorder) placeString(s string) span {
	if s == "" {
		return span{}
	}
	return r.place(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// intern returns the index of name in r.names, adding it the first time.
// Called with r.mu held.
func (r *Recorder) intern(name string) int32 {
	if i, ok := r.nameIndex[name]; ok {
		return i
	}
	if r.nameIndex == nil {
		r.nameIndex = map[string]int32{}
	}
	i := int32(len(r.names))
	r.names = append(r.names, name)
	r.nameIndex[name] = i
	return i
}

// unixNano and unixTime keep a time as Unix nanoseconds: the wall clock,
// to the nanosecond, without the monotonic reading; the zero time (of an
// exchange built by hand) stays zero.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// record returns record i. Called with r.mu held.
func (r *Recorder) record(i int) *record {
	return &r.records[i/recordChunk][i%recordChunk]
}

// copySize is how many bytes copying record i out takes (see copyOut).
// Called with r.mu held.
func (r *Recorder) copySize(i int) int {
	rec, n := r.record(i), 0
	for _, s := range [...]span{rec.url, rec.reqHeader, rec.reqBody, rec.respHeader, rec.respBody} {
		if s.block != internedSpan && s.n > 0 {
			n += int(s.n)
		}
	}
	return n
}

// copyOut makes the Exchange that record i keeps, its text and bytes
// copied into buf, which has room for them (see copySize), and returns
// what is left of buf. Called with r.mu held.
func (r *Recorder) copyOut(i int, out *Exchange, buf []byte) []byte {
	rec := r.record(i)
	bytesOf := func(s span) []byte {
		switch {
		case s.n < 0:
			return nil
		case s.n == 0:
			return []byte{}
		}
		n := copy(buf, r.blocks[s.block][s.off:s.off+s.n])
		b := buf[:n:n]
		buf = buf[n:]
		return b
	}
	textOf := func(s span) string {
		if s.block == internedSpan {
			return r.names[s.off]
		}
		return frozen(bytesOf(s))
	}
	*out = Exchange{
		Seq:        i + 1,
		Scenario:   r.names[rec.scenario],
		Started:    unixTime(rec.started),
		Method:     r.names[rec.method],
		URL:        textOf(rec.url),
		ReqHeader:  Headers{packed: textOf(rec.reqHeader)},
		ReqBody:    bytesOf(rec.reqBody),
		Status:     int(rec.status),
		RespHeader: Headers{packed: textOf(rec.respHeader)},
		RespBody:   bytesOf(rec.respBody),
		Latency:    rec.latency,
		Attempt:    int(rec.attempt),
		Truncated:  rec.truncated,
	}
	if rec.err > 0 {
		out.Err = r.errs[rec.err-1]
	}
	return buf
}

// offHeap is the memory a recorder mapped outside the Go heap. It is
// returned when the recorder is collected (see NewRecorder), which is safe
// because nothing outside the recorder points into it.
type offHeap struct {
	mu     sync.Mutex
	mapped [][]byte
	size   int // bytes handed out, mapped or not
}

// mapAfter is how much a recorder keeps in Go memory before it maps its
// blocks: a small recorder (a property case's) would only pay for the
// mapping, and the Go heap reuses its memory once it is gone.
const mapAfter = 1 << 20

// newOffHeap returns the off-heap memory of r, unmapped when r is
// collected.
func newOffHeap(r *Recorder) *offHeap {
	m := &offHeap{}
	runtime.AddCleanup(r, (*offHeap).unmap, m)
	return m
}

// block returns n zeroed bytes mapped outside the Go heap, or nil when the
// recorder is still small or the memory cannot be mapped.
func (m *offHeap) block(n int) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.size += n
	if m.size <= mapAfter {
		return nil
	}
	b := mapBlock(n)
	if b != nil {
		m.mapped = append(m.mapped, b)
	}
	return b
}

// bytes returns n zeroed bytes, mapped once the recorder is large.
func (m *offHeap) bytes(n int) []byte {
	if b := m.block(n); b != nil {
		return b
	}
	return make([]byte, n)
}

// records returns n zeroed records, as bytes does: a record holds no
// pointer, so memory the collector does not see may hold it.
func (m *offHeap) records(n int) []record {
	if b := m.block(n * int(unsafe.Sizeof(record{}))); b != nil {
		return unsafe.Slice((*record)(unsafe.Pointer(unsafe.SliceData(b))), n) // mapped memory is page-aligned
	}
	return make([]record, n)
}

// unmap returns every mapped block.
func (m *offHeap) unmap() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.mapped {
		unmapBlock(b)
	}
	m.mapped = nil
}

// readyBlocks holds the next block of Ts, made on another goroutine while
// the current one is in use. A new block's memory is faulted in page by
// page when first written, and on a virtual machine a fault costs
// microseconds (more than the rest of what recording an exchange costs);
// made and written here, that cost runs beside the requests instead of in
// their path. Nothing waits for it: a block needed before it is ready is
// made on the spot, as it would be without it.
type readyBlocks[T any] struct {
	next   []T
	making bool
}

// take returns a block of n Ts, the ready one when it is that big, and
// starts making the next, of size next, with alloc. mu guards b; take is
// called with it held.
func (b *readyBlocks[T]) take(mu *sync.Mutex, n, next int, alloc func(int) []T) []T {
	blk := b.next
	b.next = nil
	if len(blk) < n {
		blk = alloc(n)
	}
	if !b.making {
		b.making = true
		go func() {
			ready := alloc(next)
			touchPages(ready)
			mu.Lock()
			defer mu.Unlock()
			b.next, b.making = ready, false
		}()
	}
	return blk[:n:n]
}

// touchPages writes a zero into every page of blk, zeroed memory: the
// kernel faults each in at its first write (a huge page at once).
func touchPages[T any](blk []T) {
	var zero T
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(blk))), len(blk)*int(unsafe.Sizeof(zero)))
	for i := 0; i < len(b); i += pageSize {
		b[i] = 0
	}
}

// pageSize is the smallest page the kernel maps.
const pageSize = 4 << 10
