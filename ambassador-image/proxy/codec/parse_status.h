// Outcome of one parse call, shared by the RESP and memcached codecs.
//
// The codecs are pure: bytes in, values out; no I/O, no logging, no exceptions, no heap
// allocation on the hot path (the caller owns and reuses the output structures, which keep
// their capacity; parsed values are views into the caller's buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace attache::ambassador::codec {

enum class ParseStatus { kComplete, kIncomplete, kError };

struct ParseOutcome {
  ParseStatus status = ParseStatus::kIncomplete;
  // kComplete: length of the frame at the start of the input. Otherwise 0.
  size_t consumed = 0;
  // kError: a static, human-readable message (RESP: the text after "-ERR ", e.g.
  // "Protocol error: invalid bulk length"; memcached requests: the whole reply line to send,
  // e.g. "CLIENT_ERROR bad data chunk"). Empty otherwise.
  std::string_view error;
  // kIncomplete: do not call again before the input holds at least this many bytes (the frame
  // start included). Exact when the parser waits for the rest of a length-prefixed body (a
  // 512 MB bulk arriving in 16 KB chunks is parsed once, not 32768 times); in.size() + 1 when
  // it waits for a line terminator.
  size_t needed = 0;
  // kError: how many bytes from the start of the input the caller must discard to resume
  // parsing on this connection (may exceed in.size(): discard the rest as it arrives). 0 means
  // the stream cannot be resynchronised: send the error, then close the connection. RESP errors
  // are always 0 (Redis closes the connection after a protocol error).
  size_t skip = 0;

  bool complete() const { return status == ParseStatus::kComplete; }
  bool incomplete() const { return status == ParseStatus::kIncomplete; }
  bool failed() const { return status == ParseStatus::kError; }
};

struct ParserLimits {
  size_t max_bulk_len = 512u << 20;   // RESP bulk / memcached data block (Redis proto-max-bulk-len)
  size_t max_args = 1u << 20;         // RESP array elements / memcached keys per retrieval
  size_t max_inline_len = 64u << 10;  // RESP inline command / memcached command line
  size_t max_depth = 32;              // RESP reply nesting (the top-level array is depth 1)
  // memcached get/gets/gat/gats lines may carry many keys (memcached itself accepts unbounded
  // multi-gets); they may be this long.
  size_t max_retrieval_line_len = 8u << 20;
};

// Where a parse that returned kIncomplete stopped, kept in the caller-owned output structure so
// that the next call (same frame, more bytes; the buffer may have moved) continues from there
// instead of re-scanning: total work per frame stays linear however it is chunked (Redis keeps
// the same state per client). Reset by every kComplete / kError and by the structure's clear():
// call clear() before reusing a structure for another stream after a kIncomplete. A frame that
// completes after resuming is parsed once more from its start to build the views, so results
// never depend on the hint; a foreign hint can only delay completion (and most are rejected).
struct ResumeHint {
  bool active = false;
  size_t pos = 0;     // offset of the first byte not yet validated
  size_t count = 0;   // elements / items validated before pos
  int64_t total = 0;  // elements announced by the frame header (RESP requests)
};

}  // namespace attache::ambassador::codec
