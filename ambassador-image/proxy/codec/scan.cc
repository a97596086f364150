#include "ambassador-image/proxy/codec/scan.h"

#include <limits>

namespace attache::ambassador::codec::detail {

Scan scanIntLine(const char* p, const char* end, int64_t& value, const char*& next) {
  if (p == end) return Scan::kIncomplete;
  const bool negative = *p == '-';
  if (negative) ++p;
  const uint64_t limit =
      negative ? uint64_t{1} << 63 : uint64_t{std::numeric_limits<int64_t>::max()};
  uint64_t v = 0;
  int digits = 0;
  for (;; ++p) {
    if (p == end) return Scan::kIncomplete;
    const char c = *p;
    if (c == '\r') break;
    if (c < '0' || c > '9') return Scan::kError;
    if (digits == 1 && v == 0) return Scan::kError;  // leading zero
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return Scan::kError;  // overflow
    v = v * 10 + d;
    ++digits;
  }
  if (digits == 0 || (negative && v == 0)) return Scan::kError;
  if (p + 1 == end) return Scan::kIncomplete;
  if (p[1] != '\n') return Scan::kError;
  next = p + 2;
  if (!negative) {
    value = static_cast<int64_t>(v);
  } else if (v == limit) {
    value = std::numeric_limits<int64_t>::min();
  } else {
    value = -static_cast<int64_t>(v);
  }
  return Scan::kOk;
}

bool parseU64(std::string_view s, uint64_t& value) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  value = v;
  return true;
}

bool parseI64(std::string_view s, int64_t& value) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  uint64_t v = 0;
  if (!parseU64(s, v)) return false;
  const uint64_t limit =
      negative ? uint64_t{1} << 63 : uint64_t{std::numeric_limits<int64_t>::max()};
  if (v > limit) return false;
  if (!negative) {
    value = static_cast<int64_t>(v);
  } else if (v == limit) {
    value = std::numeric_limits<int64_t>::min();
  } else {
    value = -static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace attache::ambassador::codec::detail
