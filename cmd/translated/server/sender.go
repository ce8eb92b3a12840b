package server

import (
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// streamSender decouples decoding from a client's network: decoding hands
// each stream message to push, which never blocks, and a goroutine of the
// sender's own writes them to the client. A client that reads too slowly
// cannot hold a decoding worker:
//
//   - when the token events waiting reach the buffer's limit (in bytes;
//     one event larger than the limit still passes alone), push refuses
//     the next one with a ResourceExhausted error naming the limit, and the
//     call ends: its decoding stops within one step. Result events always
//     pass: they are the reply, whose memory the budget counts, and they
//     come in bursts (a batch of sentences ends at once) that a client
//     reading at full speed cannot keep up with;
//   - when one write stays blocked longer than the send timeout (the
//     client stopped reading and its flow-control window is full), push
//     and wait report it, and the call ends the same way.
//
// Once the call's handler returns, gRPC cancels the stream, which unblocks
// a write still in progress; the goroutine then ends.
type streamSender struct {
	send    func(*translatev1.TranslateStreamResponse) error
	limit   int           // bytes that may wait
	maxMsg  int           // bytes one message may have
	timeout time.Duration // longest one write may block

	mu      sync.Mutex
	queue   []*translatev1.TranslateStreamResponse
	sizes   []int // bytes of each token event queued; 0 for results
	waiting int   // bytes of the token events in queue
	closed  bool  // no more messages will come
	aborted bool  // drop what waits
	err     error // the write that failed

	wake      chan struct{} // a message or close arrived
	done      chan struct{} // closed when the goroutine has ended
	stalled   chan struct{} // closed when a write blocked past the timeout
	stallOnce sync.Once
}

// newStreamSender starts a sender writing with send.
func newStreamSender(send func(*translatev1.TranslateStreamResponse) error, limit, maxMsg int, timeout time.Duration) *streamSender {
	s := &streamSender{send: send, limit: limit, maxMsg: maxMsg, timeout: timeout,
		wake: make(chan struct{}, 1), done: make(chan struct{}), stalled: make(chan struct{})}
	go s.run()
	return s
}

// push queues msg, or refuses it when the client is not keeping up or a
// write failed.
func (s *streamSender) push(msg *translatev1.TranslateStreamResponse) error {
	size := proto.Size(msg)
	if size > s.maxMsg {
		return errReplyTooLarge("a stream event", size, s.maxMsg)
	}
	select {
	case <-s.stalled:
		return s.stallError()
	default:
	}
	s.mu.Lock()
	switch {
	case s.err != nil:
		err := s.err
		s.mu.Unlock()
		return err
	case msg.GetToken() == nil:
		size = 0 // a result: always queued
	case s.waiting > 0 && s.waiting+size > s.limit:
		n := s.waiting
		s.mu.Unlock()
		return &limitError{limit: "stream_buffer", msg: fmt.Sprintf(
			"the client is not reading the stream fast enough: %d bytes of token events are waiting to be sent, this server's limit per stream (--stream-buffer)", n)}
	}
	s.queue = append(s.queue, msg)
	s.sizes = append(s.sizes, size)
	s.waiting += size
	s.mu.Unlock()
	s.signal()
	return nil
}

func (s *streamSender) stallError() error {
	return &limitError{limit: "send_timeout", msg: fmt.Sprintf(
		"the client has not read the stream for %v, this server's limit (--send-timeout)", s.timeout)}
}

func (s *streamSender) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run writes the queued messages in order until the queue is closed and
// empty, a write fails, or the sender is aborted.
func (s *streamSender) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed && !s.aborted {
			s.mu.Unlock()
			<-s.wake
			s.mu.Lock()
		}
		if s.aborted || len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		msg, size := s.queue[0], s.sizes[0]
		s.queue[0] = nil
		s.queue, s.sizes = s.queue[1:], s.sizes[1:]
		s.mu.Unlock()

		timer := time.AfterFunc(s.timeout, func() { s.stallOnce.Do(func() { close(s.stalled) }) })
		err := s.send(msg)
		timer.Stop()

		s.mu.Lock()
		s.waiting -= size
		if err != nil {
			s.err = err
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// close says no more messages come: the goroutine ends once it has
// written what waits.
func (s *streamSender) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal()
}

// abort drops what waits: the goroutine ends after the write in progress.
func (s *streamSender) abort() {
	s.mu.Lock()
	s.aborted = true
	s.queue, s.sizes = nil, nil
	s.mu.Unlock()
	s.signal()
}

// wait returns once every message is written (nil), a write failed (its
// error), or a write blocked past the timeout (an error naming it; what
// waits is dropped).
func (s *streamSender) wait() error {
	select {
	case <-s.done:
		return s.writeErr()
	default:
	}
	select {
	case <-s.done:
		return s.writeErr()
	case <-s.stalled:
		s.abort()
		return s.stallError()
	}
}

func (s *streamSender) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// errReplyTooLarge refuses a reply (or stream event) over the size limit.
func errReplyTooLarge(what string, size, limit int) error {
	return &limitError{limit: "max_reply", msg: fmt.Sprintf(
		"%s of %s is over this server's limit of %s (--max-reply); ask for fewer texts, a smaller n_best or no alignment, or use TranslateStream",
		what, mib(int64(size)), mib(int64(limit)))}
}
