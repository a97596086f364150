// Test helpers for the codecs: feed a frame the ways a socket can deliver it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>

#include "ambassador-image/proxy/codec/parse_status.h"

namespace attache::ambassador::codec {

inline void PrintTo(ParseStatus s, std::ostream* os) {
  switch (s) {
    case ParseStatus::kComplete:
      *os << "kComplete";
      return;
    case ParseStatus::kIncomplete:
      *os << "kIncomplete";
      return;
    case ParseStatus::kError:
      *os << "kError";
      return;
  }
}

namespace testing {

// Names table-driven cases after their `name` field.
struct CaseName {
  template <typename Case>
  std::string operator()(const ::testing::TestParamInfo<Case>& param) const {
    return param.param.name;
  }
};

// parse(in) with the caller's reused output structure.
using ParseFn = std::function<ParseOutcome(std::string_view)>;

inline const char* statusName(ParseStatus s) {
  switch (s) {
    case ParseStatus::kComplete:
      return "kComplete";
    case ParseStatus::kIncomplete:
      return "kIncomplete";
    case ParseStatus::kError:
      return "kError";
  }
  return "?";
}

// Feeds `frame` one byte more per call, each time from a freshly allocated copy (the buffer
// moves, as a growing read buffer does). Every proper prefix must be kIncomplete with a
// `needed` in (prefix, frame.size()] so a caller that waits for `needed` bytes never stalls;
// the last call's outcome is returned (its views point into `last`, kept alive by the caller).
inline ParseOutcome feedByteAtATime(std::string_view frame, const ParseFn& parse,
                                    std::string& last) {
  for (size_t n = 0; n < frame.size(); ++n) {
    std::string prefix(frame.substr(0, n));
    const ParseOutcome r = parse(prefix);
    EXPECT_EQ(r.status, ParseStatus::kIncomplete)
        << "prefix of " << n << " bytes: " << ::testing::PrintToString(r.status) << " " << r.error;
    if (r.status != ParseStatus::kIncomplete) return r;
    EXPECT_GT(r.needed, n) << "prefix of " << n << " bytes";
    EXPECT_LE(r.needed, frame.size()) << "prefix of " << n << " bytes";
  }
  last.assign(frame);
  return parse(last);
}

// Feeds `frame` `step` bytes more per call through one reused output structure (parse) and
// checks every outcome against a parse of the same prefix with a fresh structure (fresh): the
// resume hints must never change a result. Returns the outcome of the whole frame.
inline ParseOutcome feedInSteps(std::string_view frame, size_t step, const ParseFn& parse,
                                const ParseFn& fresh, std::string& last) {
  ParseOutcome r;
  for (size_t n = 0;; n = std::min(n + step, frame.size())) {
    last.assign(frame.substr(0, n));
    r = parse(last);
    const ParseOutcome want = fresh(last);
    EXPECT_EQ(r.status, want.status) << "prefix of " << n << " bytes, step " << step;
    EXPECT_EQ(r.consumed, want.consumed) << "prefix of " << n << " bytes, step " << step;
    EXPECT_EQ(r.needed, want.needed) << "prefix of " << n << " bytes, step " << step;
    EXPECT_EQ(r.error, want.error) << "prefix of " << n << " bytes, step " << step;
    if (n == frame.size()) return r;
  }
}

// Feeds a malformed input one byte more per call: kIncomplete until the error is detectable,
// then the same kError for every longer prefix. Returns the first kError.
inline ParseOutcome feedUntilError(std::string_view input, const ParseFn& parse) {
  ParseOutcome first;
  bool failed = false;
  for (size_t n = 0; n <= input.size(); ++n) {
    std::string prefix(input.substr(0, n));
    const ParseOutcome r = parse(prefix);
    if (!failed) {
      EXPECT_NE(r.status, ParseStatus::kComplete) << "prefix of " << n << " bytes";
      if (r.status == ParseStatus::kError) {
        first = r;
        failed = true;
      }
    } else {
      EXPECT_EQ(r.status, ParseStatus::kError) << "prefix of " << n << " bytes";
      EXPECT_EQ(r.error, first.error) << "prefix of " << n << " bytes";
      EXPECT_EQ(r.skip, first.skip) << "prefix of " << n << " bytes";
    }
  }
  EXPECT_TRUE(failed) << "never failed";
  return first;
}

}  // namespace testing
}  // namespace attache::ambassador::codec
