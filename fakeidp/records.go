package fakeidp

import (
	"sync"
	"time"
	"unsafe"
)

// A run keeps every exchange it makes, tens of thousands of them, and what
// it keeps costs every later request: kept as Exchange values they would
// be pointer-rich memory that the garbage collector scans in every cycle,
// and kept as a few small objects each they would spread over the heap.
// So the recorder keeps each exchange as a record, pointer-free, with its
// text and bytes in large arena blocks that the collector marks without
// scanning (the client reads a response body and packs its header straight
// into the arena, so most of them are never copied), and names (scenario,
// method, the request header a client sends every time) interned once. The
// next block is made ready beside the requests (see readyBlocks). An
// Exchange is made from a record when someone asks for it.
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

// span says where a record's text or bytes are: n bytes at off in arena
// block, or, with block internedSpan, the name at index off. n is -1 for
// nil bytes, so that a request without a body stays one.
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
		r.records = append(r.records, r.nextRecords.take(&r.mu, recordChunk, recordChunk)[:0])
	}
	last := &r.records[len(r.records)-1]
	*last = append(*last, rec)
	r.count++
}

// Block sizes of the recorder's arena.
const (
	minArena     = 4 << 10
	maxArena     = 256 << 10
	maxArenaBody = maxArena / 8 // a larger one is a block of its own
	// maxKept is the most a record can address; WithMaxBody is capped to it.
	maxKept = 1 << 30
)

// keep returns a buffer of n bytes in the arena, for a response body, URL
// or header that the client writes straight into the place it will be kept
// (see place). A buffer too large for the arena is allocated on its own.
// Its capacity is n, so that appending to it never writes over another's
// bytes.
func (r *Recorder) keep(n int) []byte {
	if n > maxArenaBody {
		return make([]byte, n)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	buf, _ := r.carve(n)
	return buf
}

// carve cuts n bytes from the arena, starting a new block when the current
// one is short, and returns them and where they start in the current
// block. Called with r.mu held.
func (r *Recorder) carve(n int) ([]byte, int) {
	if n == 0 {
		return nil, 0
	}
	if len(r.arena) < n {
		r.arenaBlock = max(min(2*r.arenaBlock, maxArena), minArena, n)
		r.arena = r.nextBlock.take(&r.mu, r.arenaBlock, min(2*r.arenaBlock, maxArena))
		r.blocks = append(r.blocks, r.arena)
		r.current = int32(len(r.blocks) - 1)
	}
	off := len(r.blocks[r.current]) - len(r.arena)
	buf := r.arena[:n:n]
	r.arena = r.arena[n:]
	return buf, off
}

// keepString returns a+b as text kept in the arena.
func (r *Recorder) keepString(a, b string) string {
	buf := r.keep(len(a) + len(b))
	copy(buf[copy(buf, a):], b)
	return frozen(buf)
}

// frozen returns b as a string without copying it. Only for a buffer that
// nothing writes to again: the arena's buffers are handed out once and
// filled before they are frozen.
func frozen(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// place returns where b is kept, and the kept bytes: where b already lies
// when the client wrote it into the current arena block; b itself, as a
// block of its own, when it is too large for the arena; else a copy in the
// arena. Called with r.mu held.
func (r *Recorder) place(b []byte) (span, []byte) {
	switch {
	case b == nil:
		return span{n: -1}, nil
	case len(b) == 0:
		return span{}, []byte{}
	}
	if r.current >= 0 {
		if off, ok := within(unsafe.SliceData(b), len(b), r.blocks[r.current]); ok {
			return span{r.current, int32(off), int32(len(b))}, b[:len(b):len(b)]
		}
	}
	if len(b) > maxArenaBody {
		b = b[:len(b):len(b)]
		r.blocks = append(r.blocks, b)
		return span{int32(len(r.blocks) - 1), 0, int32(len(b))}, b
	}
	buf, off := r.carve(len(b))
	copy(buf, b)
	return span{r.current, int32(off), int32(len(buf))}, buf
}

// placeString is place for text.
func (r *Recorder) placeString(s string) (span, string) {
	if s == "" {
		return span{}, ""
	}
	sp, b := r.place(unsafe.Slice(unsafe.StringData(s), len(s)))
	return sp, frozen(b)
}

// within reports where n bytes at p lie in blk, if they do.
func within(p *byte, n int, blk []byte) (int, bool) {
	if len(blk) == 0 {
		return 0, false
	}
	off := uintptr(unsafe.Pointer(p)) - uintptr(unsafe.Pointer(unsafe.SliceData(blk)))
	return int(off), off <= uintptr(len(blk)) && uintptr(n) <= uintptr(len(blk))-off
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

// bytes returns the bytes s locates in the arena. Called with r.mu held.
func (r *Recorder) bytes(s span) []byte {
	switch {
	case s.n < 0:
		return nil
	case s.n == 0:
		return []byte{}
	}
	return r.blocks[s.block][s.off : s.off+s.n : s.off+s.n]
}

// text returns the text s locates, interned or in the arena. Called with
// r.mu held.
func (r *Recorder) text(s span) string {
	switch {
	case s.block == internedSpan:
		return r.names[s.off]
	case s.n <= 0:
		return ""
	}
	return frozen(r.bytes(s))
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

// exchange makes the Exchange that record i keeps. Called with r.mu held.
func (r *Recorder) exchange(i int, out *Exchange) {
	rec := &r.records[i/recordChunk][i%recordChunk]
	*out = Exchange{
		Seq:        i + 1,
		Scenario:   r.names[rec.scenario],
		Started:    unixTime(rec.started),
		Method:     r.names[rec.method],
		URL:        r.text(rec.url),
		ReqHeader:  Headers{packed: r.text(rec.reqHeader)},
		ReqBody:    r.bytes(rec.reqBody),
		Status:     int(rec.status),
		RespHeader: Headers{packed: r.text(rec.respHeader)},
		RespBody:   r.bytes(rec.respBody),
		Latency:    rec.latency,
		Attempt:    int(rec.attempt),
		Truncated:  rec.truncated,
	}
	if rec.err > 0 {
		out.Err = r.errs[rec.err-1]
	}
}

// readyBlocks holds the next block of Ts, made on another goroutine while
// the current one is in use. A new block's memory is faulted in page by
// page when first written, and on a virtual machine a fault costs
// microseconds (12 µs measured here: more than the rest of what recording
// an exchange costs); made and written here, that cost runs beside the
// requests instead of in their path. Nothing waits for it: a block needed
// before it is ready is made on the spot, as it would be without it.
type readyBlocks[T any] struct {
	next   []T
	making bool
}

// take returns a block of n Ts, the ready one when it is that big, and
// starts making the next, of size next. mu guards b; take is called with
// it held.
func (b *readyBlocks[T]) take(mu *sync.Mutex, n, next int) []T {
	blk := b.next
	b.next = nil
	if len(blk) < n {
		blk = make([]T, n)
	}
	if !b.making {
		b.making = true
		go func() {
			ready := make([]T, next)
			clear(ready) // write every page now
			mu.Lock()
			defer mu.Unlock()
			b.next, b.making = ready, false
		}()
	}
	return blk[:n:n]
}
