// Internal helpers shared by the codecs: integer scanning and decimal formatting.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "ambassador-image/proxy/codec/parse_status.h"

namespace attache::ambassador::codec::detail {

enum class Scan { kOk, kIncomplete, kError };

// Parses "<integer>\r\n" starting at `p` like Redis' string2ll: an optional '-', then 1 to 19
// digits without leading zeros ("0" alone is fine, "-0" is not), fitting an int64_t. On kOk,
// `next` points past the LF. Never reads at or past `end`.
Scan scanIntLine(const char* p, const char* end, int64_t& value, const char*& next);

// Decimal parsers for memcached tokens (the whole token must be the number).
bool parseU64(std::string_view s, uint64_t& value);  // digits only
bool parseI64(std::string_view s, int64_t& value);   // optional '-', digits

inline void appendDecimal(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void appendDecimal(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline ParseOutcome complete(size_t consumed) {
  return ParseOutcome{ParseStatus::kComplete, consumed, {}, 0, 0};
}
inline ParseOutcome incomplete(size_t needed) {
  return ParseOutcome{ParseStatus::kIncomplete, 0, {}, needed, 0};
}
inline ParseOutcome failure(std::string_view error, size_t skip = 0) {
  return ParseOutcome{ParseStatus::kError, 0, error, 0, skip};
}

// True when a resume hint can apply to `in`: it points inside the input, just after a line end.
inline bool hintFits(const ResumeHint& hint, std::string_view in) {
  return hint.active && hint.pos > 0 && hint.pos <= in.size() && in[hint.pos - 1] == '\n';
}

}  // namespace attache::ambassador::codec::detail
