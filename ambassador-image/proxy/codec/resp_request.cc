// RESP2 request parser: multibulk arrays and inline commands.
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

constexpr std::string_view kErrMultibulkLength = "Protocol error: invalid multibulk length";
constexpr std::string_view kErrExpectedDollar = "Protocol error: expected '$'";
constexpr std::string_view kErrBulkLength = "Protocol error: invalid bulk length";
constexpr std::string_view kErrBulkTerminator = "Protocol error: expected CRLF after bulk";
constexpr std::string_view kErrInlineTooBig = "Protocol error: too big inline request";
constexpr std::string_view kErrUnbalancedQuotes = "Protocol error: unbalanced quotes in request";

// ResumeHint::total of an inline line scan (array hints carry the announced element count > 0).
constexpr int64_t kInlineHint = -1;

// Validates the array's bulk strings from st.pos on, appending their views to `args` when it is
// not null. `st` is the array state: inactive until the header "*<n>\r\n" has been read.
ParseOutcome scanArray(std::string_view in, ResumeHint& st, std::vector<std::string_view>* args,
                       const ParserLimits& limits) {
  const char* base = in.data();
  const char* end = base + in.size();
  if (!st.active) {
    int64_t n = 0;
    const char* next = nullptr;
    const Scan s = detail::scanIntLine(base + 1, end, n, next);
    if (s == Scan::kIncomplete) return incomplete(in.size() + 1);
    if (s == Scan::kError || (n > 0 && static_cast<uint64_t>(n) > limits.max_args)) {
      return failure(kErrMultibulkLength);
    }
    if (n <= 0) return complete(static_cast<size_t>(next - base));  // nothing to run
    st = ResumeHint{true, static_cast<size_t>(next - base), 0, n};
  }
  while (st.count < static_cast<uint64_t>(st.total)) {
    const char* p = base + st.pos;
    if (p == end) return incomplete(in.size() + 1);
    if (*p != '$') return failure(kErrExpectedDollar);
    int64_t len = 0;
    const char* next = nullptr;
    const Scan s = detail::scanIntLine(p + 1, end, len, next);
    if (s == Scan::kIncomplete) return incomplete(in.size() + 1);
    if (s == Scan::kError || len < 0 || static_cast<uint64_t>(len) > limits.max_bulk_len) {
      return failure(kErrBulkLength);
    }
    const size_t body = static_cast<size_t>(next - base);
    const size_t body_len = static_cast<size_t>(len);
    const size_t frame_end = body + body_len + 2;
    if (frame_end > in.size()) return incomplete(frame_end);
    if (base[body + body_len] != '\r' || base[body + body_len + 1] != '\n') {
      return failure(kErrBulkTerminator);
    }
    if (args != nullptr) args->emplace_back(base + body, body_len);
    st.pos = frame_end;
    ++st.count;
  }
  return complete(st.pos);
}

ParseOutcome parseArray(std::string_view in, RespRequest& out, const ParserLimits& limits) {
  if (detail::hintFits(out.resume, in) && out.resume.total > 0) {
    ResumeHint st = out.resume;
    const ParseOutcome r = scanArray(in, st, nullptr, limits);
    if (r.incomplete()) {
      out.resume = st;
      return r;
    }
    // Complete (or an error a stale hint could explain): parse again from the start to build
    // the views against the current buffer.
  }
  out.resume = ResumeHint{};
  ResumeHint st;
  const ParseOutcome r = scanArray(in, st, &out.args, limits);
  if (r.incomplete() && st.active) out.resume = st;
  return r;
}

// Blanks skipped between arguments (isspace) and characters ending an unquoted argument.
bool isBlank(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool endsPlain(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Decodes one argument that contains quotes, starting at line[i] (its beginning), into
// `storage` (enough capacity reserved by the caller: nothing reallocates). Returns false on
// unbalanced quotes; on success `i` is past the argument.
bool decodeQuoted(std::string_view line, size_t& i, std::string& storage) {
  const size_t n = line.size();
  bool in_double = false;
  bool in_single = false;
  for (;;) {
    if (in_double || in_single) {
      if (i >= n) return false;
      const char c = line[i];
      const char closing = in_double ? '"' : '\'';
      if (c == closing) {
        if (i + 1 < n && !isBlank(line[i + 1])) return false;
        ++i;
        return true;
      }
      if (in_double && c == '\\' && i + 3 < n && line[i + 1] == 'x' && hexValue(line[i + 2]) >= 0 &&
          hexValue(line[i + 3]) >= 0) {
        storage.push_back(static_cast<char>(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3])));
        i += 4;
      } else if (in_double && c == '\\' && i + 1 < n) {
        storage.push_back(unescape(line[i + 1]));
        i += 2;
      } else if (in_single && c == '\\' && i + 1 < n && line[i + 1] == '\'') {
        storage.push_back('\'');
        i += 2;
      } else {
        storage.push_back(c);
        ++i;
      }
    } else {
      if (i >= n || endsPlain(line[i])) return true;
      const char c = line[i++];
      if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        storage.push_back(c);
      }
    }
  }
}

// Splits an inline command line like Redis' sdssplitargs.
bool splitInline(std::string_view line, RespRequest& out) {
  const size_t n = line.size();
  size_t i = 0;
  for (;;) {
    while (i < n && isBlank(line[i])) ++i;
    if (i >= n) return true;
    const size_t start = i;
    while (i < n && !endsPlain(line[i]) && line[i] != '"' && line[i] != '\'') ++i;
    if (i >= n || endsPlain(line[i])) {
      out.args.push_back(line.substr(start, i - start));
      continue;
    }
    if (out.storage.capacity() < n) out.storage.reserve(n);  // views below stay valid
    const size_t from = out.storage.size();
    i = start;
    if (!decodeQuoted(line, i, out.storage)) return false;
    out.args.emplace_back(out.storage.data() + from, out.storage.size() - from);
  }
}

ParseOutcome parseInline(std::string_view in, RespRequest& out, const ParserLimits& limits) {
  out.inline_form = true;
  const size_t window = std::min(in.size(), limits.max_inline_len + 1);
  size_t from = 0;
  const ResumeHint& hint = out.resume;
  if (hint.active && hint.total == kInlineHint && hint.pos <= window) from = hint.pos;
  const void* found = std::memchr(in.data() + from, '\n', window - from);
  if (found != nullptr && from > 0) found = std::memchr(in.data(), '\n', window);  // authoritative
  if (found == nullptr) {
    if (in.size() > limits.max_inline_len) {
      out.resume = ResumeHint{};
      return failure(kErrInlineTooBig);
    }
    out.resume = ResumeHint{true, in.size(), 0, kInlineHint};
    return incomplete(in.size() + 1);
  }
  out.resume = ResumeHint{};
  const size_t newline = static_cast<size_t>(static_cast<const char*>(found) - in.data());
  std::string_view line = in.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!splitInline(line, out)) return failure(kErrUnbalancedQuotes);
  return complete(newline + 1);
}

}  // namespace

void RespRequest::clear() {
  args.clear();
  inline_form = false;
  storage.clear();
  resume = ResumeHint{};
}

ParseOutcome parseRespRequest(std::string_view in, RespRequest& out, const ParserLimits& limits) {
  out.args.clear();
  out.inline_form = false;
  out.storage.clear();
  if (in.empty()) return incomplete(1);
  if (in.front() == '*') return parseArray(in, out, limits);
  return parseInline(in, out, limits);
}

}  // namespace attache::ambassador::codec
