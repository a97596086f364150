// RESP2 reply parser: one complete frame of any nesting, iteratively, depth-limited.
#include <algorithm>
#include <cstring>

#include "ambassador-image/proxy/codec/resp.h"
#include "ambassador-image/proxy/codec/scan.h"

namespace attache::ambassador::codec {
namespace {

using detail::complete;
using detail::failure;
using detail::incomplete;
using detail::Scan;

constexpr std::string_view kErrType = "Protocol error: invalid reply type";
constexpr std::string_view kErrLine = "Protocol error: expected CRLF";
constexpr std::string_view kErrLineTooBig = "Protocol error: too big simple string";
constexpr std::string_view kErrInteger = "Protocol error: invalid integer";
constexpr std::string_view kErrBulkLength = "Protocol error: invalid bulk length";
constexpr std::string_view kErrBulkTerminator = "Protocol error: expected CRLF after bulk";
constexpr std::string_view kErrMultibulkLength = "Protocol error: invalid multibulk length";
constexpr std::string_view kErrDepth = "Protocol error: nesting too deep";

// One value's header, plus the body for '+', '-', ':' and '$'. `end` is past its last byte.
struct Value {
  char type = 0;
  int64_t integer = 0;
  std::string_view payload;
  size_t end = 0;
};

ParseOutcome scanSimple(std::string_view in, size_t pos, const ParserLimits& limits, Value& v) {
  const size_t start = pos + 1;
  const size_t window = std::min(in.size() - start, limits.max_inline_len + 2);
  const void* found = std::memchr(in.data() + start, '\n', window);
  if (found == nullptr) {
    if (in.size() - start > limits.max_inline_len + 1) return failure(kErrLineTooBig);
    return incomplete(in.size() + 1);
  }
  const size_t newline = static_cast<size_t>(static_cast<const char*>(found) - in.data());
  if (newline == start || in[newline - 1] != '\r') return failure(kErrLine);
  v.payload = in.substr(start, newline - 1 - start);
  v.end = newline + 1;
  return complete(v.end);
}

ParseOutcome scanBulk(std::string_view in, size_t pos, const ParserLimits& limits, Value& v) {
  const char* base = in.data();
  const char* next = nullptr;
  const Scan s = detail::scanIntLine(base + pos + 1, base + in.size(), v.integer, next);
  if (s == Scan::kIncomplete) return incomplete(in.size() + 1);
  if (s == Scan::kError || v.integer < -1 ||
      (v.integer > 0 && static_cast<uint64_t>(v.integer) > limits.max_bulk_len)) {
    return failure(kErrBulkLength);
  }
  const size_t body = static_cast<size_t>(next - base);
  if (v.integer == -1) {
    v.end = body;
    return complete(v.end);
  }
  const size_t len = static_cast<size_t>(v.integer);
  if (body + len + 2 > in.size()) return incomplete(body + len + 2);
  if (base[body + len] != '\r' || base[body + len + 1] != '\n') return failure(kErrBulkTerminator);
  v.payload = in.substr(body, len);
  v.end = body + len + 2;
  return complete(v.end);
}

ParseOutcome scanNumber(std::string_view in, size_t pos, const ParserLimits& limits, Value& v) {
  const char* base = in.data();
  const char* next = nullptr;
  const Scan s = detail::scanIntLine(base + pos + 1, base + in.size(), v.integer, next);
  if (s == Scan::kIncomplete) return incomplete(in.size() + 1);
  if (v.type == ':') {
    if (s == Scan::kError) return failure(kErrInteger);
  } else if (s == Scan::kError || v.integer < -1 ||
             (v.integer > 0 && static_cast<uint64_t>(v.integer) > limits.max_args)) {
    return failure(kErrMultibulkLength);
  }
  v.end = static_cast<size_t>(next - base);
  return complete(v.end);
}

ParseOutcome scanValue(std::string_view in, size_t pos, const ParserLimits& limits, Value& v) {
  v = Value{in[pos], 0, {}, 0};
  switch (v.type) {
    case '+':
    case '-':
      return scanSimple(in, pos, limits, v);
    case '$':
      return scanBulk(in, pos, limits, v);
    case ':':
    case '*':
      return scanNumber(in, pos, limits, v);
    default:
      return failure(kErrType);
  }
}

// Walks values from st.pos with out.stack holding the remaining element counts of the open
// arrays. When `record` is set (a walk from the frame start) it fills out's fields.
ParseOutcome walk(std::string_view in, ResumeHint& st, RespReply& out, bool record,
                  const ParserLimits& limits) {
  size_t pos = st.pos;
  size_t element_start = 0;
  for (;;) {
    if (out.stack.size() == 1) element_start = pos;
    if (pos >= in.size()) {
      st.pos = pos;
      return incomplete(in.size() + 1);
    }
    Value v;
    const ParseOutcome r = scanValue(in, pos, limits, v);
    if (!r.complete()) {
      st.pos = pos;
      return r;
    }
    if (record && pos == 0) {
      out.type = v.type;
      out.integer = v.integer;
      out.payload = v.payload;
    }
    pos = v.end;
    if (v.type == '*' && v.integer > 0) {
      if (out.stack.size() >= limits.max_depth) return failure(kErrDepth);
      out.stack.push_back(v.integer);
      continue;
    }
    while (!out.stack.empty()) {  // a value is complete: close the arrays it completes
      if (record && out.stack.size() == 1) {
        out.elements.push_back(in.substr(element_start, pos - element_start));
      }
      if (--out.stack.back() > 0) break;
      out.stack.pop_back();
    }
    if (out.stack.empty()) return complete(pos);
  }
}

}  // namespace

void RespReply::clear() {
  type = 0;
  integer = 0;
  payload = {};
  raw = {};
  elements.clear();
  stack.clear();
  resume = ResumeHint{};
}

ParseOutcome parseRespReply(std::string_view in, RespReply& out, const ParserLimits& limits) {
  out.type = 0;
  out.integer = 0;
  out.payload = {};
  out.raw = {};
  out.elements.clear();
  if (in.empty()) return incomplete(1);
  if (detail::hintFits(out.resume, in) && !out.stack.empty()) {
    ResumeHint st = out.resume;
    const ParseOutcome r = walk(in, st, out, false, limits);
    if (r.incomplete()) {
      out.resume = st;
      return r;
    }
    // Complete (or an error a stale hint could explain): walk again from the start to build
    // the views against the current buffer.
  }
  out.stack.clear();
  ResumeHint st;
  ParseOutcome r = walk(in, st, out, true, limits);
  if (r.incomplete() && !out.stack.empty()) {
    out.resume = ResumeHint{true, st.pos, 0, 0};
  } else {
    out.resume = ResumeHint{};
  }
  if (r.complete()) {
    out.raw = in.substr(0, r.consumed);
  } else {
    out.type = 0;
    out.elements.clear();
  }
  return r;
}

}  // namespace attache::ambassador::codec
