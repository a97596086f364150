// memcached text protocol reply parser and encoders.
#include <algorithm>
#include <cstring>

#include "ambassador-image/proxy/codec/memcache.h"
#include "ambassador-image/proxy/codec/scan.h"

namespace attache::ambassador::codec {
namespace {

using detail::complete;
using detail::failure;
using detail::incomplete;
using Kind = McReply::Kind;

constexpr std::string_view kErrLine = "Protocol error: reply line without CRLF";
constexpr std::string_view kErrLineTooLong = "Protocol error: reply line too long";
constexpr std::string_view kErrValueLine = "Protocol error: invalid VALUE line";
constexpr std::string_view kErrDataBlock = "Protocol error: VALUE data block without CRLF";
constexpr std::string_view kErrUnexpected = "Protocol error: unexpected reply line";

// Reads the "\r\n"-terminated line at `pos`: on kComplete, `line` excludes the CRLF and
// consumed is the offset just past it.
ParseOutcome readLine(std::string_view in, size_t pos, const ParserLimits& limits,
                      std::string_view& line) {
  const size_t window = std::min(in.size() - pos, limits.max_inline_len + 2);
  const void* found = std::memchr(in.data() + pos, '\n', window);
  if (found == nullptr) {
    if (in.size() - pos > limits.max_inline_len + 1) return failure(kErrLineTooLong);
    return incomplete(in.size() + 1);
  }
  const size_t newline = static_cast<size_t>(static_cast<const char*>(found) - in.data());
  if (newline == pos || in[newline - 1] != '\r') return failure(kErrLine);
  line = in.substr(pos, newline - 1 - pos);
  return complete(newline + 1);
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// "KEYWORD" or "KEYWORD <text>": sets `text` to what follows the keyword and its space.
bool keyword(std::string_view line, std::string_view word, std::string_view& text) {
  if (!startsWith(line, word)) return false;
  if (line.size() == word.size()) {
    text = {};
    return true;
  }
  if (line[word.size()] != ' ') return false;
  text = line.substr(word.size() + 1);
  return true;
}

// incr/decr reply: digits, possibly padded with trailing spaces.
bool parseNumberLine(std::string_view line, uint64_t& value, std::string_view& digits) {
  const size_t last = line.find_last_not_of(' ');
  if (last == std::string_view::npos) return false;
  digits = line.substr(0, last + 1);
  return detail::parseU64(digits, value);
}

struct Fixed {
  std::string_view word;
  Kind kind;
};

constexpr Fixed kFixed[] = {
    {"STORED", Kind::kStored},   {"NOT_STORED", Kind::kNotStored},
    {"EXISTS", Kind::kExists},   {"NOT_FOUND", Kind::kNotFound},
    {"DELETED", Kind::kDeleted}, {"TOUCHED", Kind::kTouched},
    {"OK", Kind::kOk},
};

void classify(std::string_view line, McReply& out) {
  for (const Fixed& f : kFixed) {
    if (line == f.word) {
      out.kind = f.kind;
      return;
    }
  }
  if (keyword(line, "ERROR", out.text)) {
    out.kind = Kind::kError;
  } else if (keyword(line, "CLIENT_ERROR", out.text)) {
    out.kind = Kind::kClientError;
  } else if (keyword(line, "SERVER_ERROR", out.text)) {
    out.kind = Kind::kServerError;
  } else if (keyword(line, "VERSION", out.text)) {
    out.kind = Kind::kVersion;
  } else if (parseNumberLine(line, out.number, out.text)) {
    out.kind = Kind::kNumber;
  } else {
    out.kind = Kind::kOther;
    out.text = line;
  }
}

void reset(McReply& out) {
  out.kind = Kind::kOther;
  out.raw = {};
  out.values = {};
  out.value_count = 0;
  out.number = 0;
  out.text = {};
}

bool isErrorKind(Kind kind) {
  return kind == Kind::kError || kind == Kind::kClientError || kind == Kind::kServerError;
}

ParseOutcome singleLine(std::string_view in, const ParserLimits& limits, McReply& out) {
  std::string_view line;
  const ParseOutcome r = readLine(in, 0, limits, line);
  if (!r.complete()) return r;
  classify(line, out);
  out.raw = in.substr(0, r.consumed);
  return r;
}

// "VALUE <key> <flags> <bytes> [<cas unique>]": the data block's length.
bool valueLength(std::string_view line, const ParserLimits& limits, size_t& bytes) {
  size_t i = 6;  // past "VALUE "
  std::string_view tokens[4];
  size_t n = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (n == 4) return false;
    tokens[n++] = line.substr(start, i - start);
  }
  uint64_t flags = 0;
  uint64_t length = 0;
  uint64_t cas = 0;
  if (n < 3 || !detail::parseU64(tokens[1], flags) || !detail::parseU64(tokens[2], length) ||
      length > limits.max_bulk_len || (n == 4 && !detail::parseU64(tokens[3], cas))) {
    return false;
  }
  bytes = static_cast<size_t>(length);
  return true;
}

// Walks VALUE blocks from st.pos (st.count blocks before it) up to and including END.
ParseOutcome walkValues(std::string_view in, ResumeHint& st, const ParserLimits& limits,
                        McReply& out) {
  for (;;) {
    std::string_view line;
    const ParseOutcome r = readLine(in, st.pos, limits, line);
    if (!r.complete()) return r;
    if (line == "END") {
      out.kind = Kind::kValues;
      out.values = in.substr(0, st.pos);
      out.value_count = st.count;
      out.raw = in.substr(0, r.consumed);
      return r;
    }
    if (!startsWith(line, "VALUE ")) {
      if (st.pos != 0) return failure(kErrUnexpected);
      classify(line, out);
      if (!isErrorKind(out.kind)) return failure(kErrUnexpected);
      out.raw = in.substr(0, r.consumed);
      return r;
    }
    size_t bytes = 0;
    if (!valueLength(line, limits, bytes)) return failure(kErrValueLine);
    const size_t end = r.consumed + bytes + 2;
    if (end > in.size()) return incomplete(end);
    if (in[end - 2] != '\r' || in[end - 1] != '\n') return failure(kErrDataBlock);
    st.pos = end;
    ++st.count;
  }
}

// stats: lines up to END, or a single OK / RESET / error line.
ParseOutcome walkStats(std::string_view in, ResumeHint& st, const ParserLimits& limits,
                       McReply& out) {
  for (;;) {
    std::string_view line;
    const ParseOutcome r = readLine(in, st.pos, limits, line);
    if (!r.complete()) return r;
    if (line == "END") {
      out.kind = Kind::kStat;
      out.value_count = st.count;
      out.raw = in.substr(0, r.consumed);
      return r;
    }
    if (st.pos == 0) {
      classify(line, out);
      if (isErrorKind(out.kind) || out.kind == Kind::kOk || line == "RESET") {
        out.raw = in.substr(0, r.consumed);
        return r;
      }
      reset(out);  // a listing: its lines are not classified
    }
    st.pos = r.consumed;
    ++st.count;
  }
}

using Walker = ParseOutcome (*)(std::string_view, ResumeHint&, const ParserLimits&, McReply&);

ParseOutcome multiLine(std::string_view in, Walker walker, const ParserLimits& limits,
                       McReply& out) {
  if (detail::hintFits(out.resume, in)) {
    ResumeHint st = out.resume;
    const ParseOutcome r = walker(in, st, limits, out);
    if (r.incomplete()) {
      out.resume = st;
      return r;
    }
    // Complete (or an error a stale hint could explain): walk again from the start.
  }
  ResumeHint st{true, 0, 0, 0};
  const ParseOutcome r = walker(in, st, limits, out);
  out.resume = r.incomplete() && st.pos > 0 ? st : ResumeHint{};
  return r;
}

}  // namespace

void McReply::clear() {
  reset(*this);
  resume = ResumeHint{};
}

ParseOutcome parseMcReply(std::string_view in, McCommand for_command, McReply& out,
                          const ParserLimits& limits) {
  reset(out);
  if (in.empty()) return incomplete(1);
  ParseOutcome r;
  if (isMcRetrieval(for_command)) {
    r = multiLine(in, walkValues, limits, out);
  } else if (for_command == McCommand::kStats) {
    r = multiLine(in, walkStats, limits, out);
  } else {
    out.resume = ResumeHint{};
    r = singleLine(in, limits, out);
  }
  if (!r.complete()) reset(out);
  return r;
}

bool appendMcRetrieval(std::string& out, McCommand command, std::span<const std::string_view> keys,
                       int64_t exptime) {
  if (!isMcRetrieval(command) || keys.empty()) return false;
  out.append(mcCommandName(command));
  if (command == McCommand::kGat || command == McCommand::kGats) {
    out.push_back(' ');
    detail::appendDecimal(out, exptime);
  }
  for (const std::string_view key : keys) {
    out.push_back(' ');
    out.append(key);
  }
  out.append("\r\n", 2);
  return true;
}

void appendMcLine(std::string& out, std::string_view line) {
  const size_t from = out.size();
  out.append(line);
  for (size_t i = from; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n", 2);
}

}  // namespace attache::ambassador::codec
