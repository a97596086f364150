// Shared checks of the codec fuzz targets.
//
// Every target parses the input as a stream of pipelined frames twice: once with a fresh output
// structure per call (the reference) and once fed in growing chunks through one reused structure
// (the resume hints at work). The two must agree exactly, and the outcomes must be coherent:
// complete frames have 0 < consumed <= size, kIncomplete's `needed` is beyond the input but never
// beyond the length at which the outcome changes, errors carry a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ambassador-image/proxy/codec/parse_status.h"

namespace attache::ambassador::codec::fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "codec fuzz invariant violated: %s\n", what);
  std::abort();
}

inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

inline bool sameOutcome(const ParseOutcome& a, const ParseOutcome& b) {
  return a.status == b.status && a.consumed == b.consumed && a.error == b.error &&
         a.skip == b.skip && (a.status != ParseStatus::kIncomplete || a.needed == b.needed);
}

// The limits both parses use: the defaults, or tiny ones when the input's first byte is odd, so
// that every limit is reached by short inputs.
inline ParserLimits limitsFor(std::string_view data) {
  ParserLimits limits;
  if (!data.empty() && (static_cast<unsigned char>(data[0]) & 1) != 0) {
    limits.max_bulk_len = 16;
    limits.max_args = 4;
    limits.max_inline_len = 32;
    limits.max_depth = 3;
    limits.max_retrieval_line_len = 64;
  }
  return limits;
}

// Parses one frame at the start of `in` with a fresh structure (ParseFresh), then feeds `in`'s
// prefixes in steps through `reused` (ParseReused) and checks both agree. Returns the reference
// outcome. `equal(fresh_out, reused_out)` compares the parsed values.
template <typename Out, typename Parse, typename Equal>
ParseOutcome checkFrame(std::string_view in, size_t step, Out& reused, Parse parse, Equal equal) {
  Out fresh;
  const ParseOutcome ref = parse(in, fresh);
  switch (ref.status) {
    case ParseStatus::kComplete:
      check(ref.consumed > 0 && ref.consumed <= in.size(), "consumed out of range");
      break;
    case ParseStatus::kIncomplete:
      check(ref.needed > in.size(), "needed not beyond the input");
      break;
    case ParseStatus::kError:
      check(!ref.error.empty(), "error without a message");
      break;
  }
  // The length at which the outcome is decided (for a complete frame: its length).
  const size_t decided = ref.status == ParseStatus::kComplete ? ref.consumed : in.size();
  size_t max_needed = 0;  // over the prefixes still kIncomplete
  for (size_t n = 0;; n = n + step < decided ? n + step : decided) {
    const std::string copy(in.substr(0, n));  // a moved buffer, as a growing read buffer is
    const ParseOutcome got = parse(copy, reused);
    Out fresh_prefix;
    const ParseOutcome want = parse(copy, fresh_prefix);
    check(sameOutcome(got, want), "resumed outcome differs from a fresh parse");
    if (got.status == ParseStatus::kComplete) check(equal(fresh_prefix, reused), "values differ");
    if (got.status == ParseStatus::kIncomplete) {
      check(got.needed > n, "needed not beyond the prefix");
      max_needed = got.needed > max_needed ? got.needed : max_needed;
    } else {
      // A caller waiting for `needed` bytes must not have slept past this outcome.
      check(max_needed <= n, "needed beyond the length where the outcome changed");
      max_needed = 0;
    }
    if (n < decided) {
      check(got.status != ParseStatus::kComplete, "a prefix completed before the frame end");
    } else {
      check(sameOutcome(got, ref), "final chunked outcome differs");
      if (got.status == ParseStatus::kComplete) check(equal(fresh, reused), "final values differ");
      break;
    }
  }
  return ref;
}

// Runs checkFrame over the pipelined frames of `data` (at most 64).
template <typename Out, typename Parse, typename Equal>
void checkStream(const uint8_t* bytes, size_t size, Parse parse, Equal equal) {
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const size_t step =
      1 + (size == 0 ? 0 : static_cast<unsigned char>(data[size - 1]) % 16) + size / 256;
  Out reused;
  for (int frame = 0; frame < 64 && !data.empty(); ++frame) {
    const ParseOutcome r = checkFrame(data, step, reused, parse, equal);
    if (r.status != ParseStatus::kComplete) {
      if (r.status == ParseStatus::kError && r.skip > 0 && r.skip < data.size()) {
        data.remove_prefix(r.skip);  // memcached resynchronises
        continue;
      }
      return;
    }
    data.remove_prefix(r.consumed);
  }
}

}  // namespace attache::ambassador::codec::fuzz
