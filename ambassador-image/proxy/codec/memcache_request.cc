// memcached text protocol request parser.
#include <algorithm>
#include <cstring>
#include <limits>

#include "ambassador-image/proxy/codec/memcache.h"
#include "ambassador-image/proxy/codec/scan.h"

namespace attache::ambassador::codec {
namespace {

using detail::complete;
using detail::failure;
using detail::incomplete;

constexpr std::string_view kErrUnknown = "ERROR";
constexpr std::string_view kErrFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kErrDeleteUsage =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
constexpr std::string_view kErrExptime = "CLIENT_ERROR invalid exptime argument";
constexpr std::string_view kErrDelta = "CLIENT_ERROR invalid numeric delta argument";
constexpr std::string_view kErrTooManyKeys = "CLIENT_ERROR too many keys";
constexpr std::string_view kErrDataChunk = "CLIENT_ERROR bad data chunk";
constexpr std::string_view kErrTooLarge = "SERVER_ERROR object too large for cache";
constexpr std::string_view kErrLineTooLong = "CLIENT_ERROR line too long";

struct CommandName {
  std::string_view name;
  McCommand command;
};

// Most frequent first.
constexpr CommandName kCommands[] = {
    {"get", McCommand::kGet},
    {"set", McCommand::kSet},
    {"gets", McCommand::kGets},
    {"delete", McCommand::kDelete},
    {"incr", McCommand::kIncr},
    {"decr", McCommand::kDecr},
    {"add", McCommand::kAdd},
    {"replace", McCommand::kReplace},
    {"append", McCommand::kAppend},
    {"prepend", McCommand::kPrepend},
    {"cas", McCommand::kCas},
    {"touch", McCommand::kTouch},
    {"gat", McCommand::kGat},
    {"gats", McCommand::kGats},
    {"flush_all", McCommand::kFlushAll},
    {"version", McCommand::kVersion},
    {"verbosity", McCommand::kVerbosity},
    {"stats", McCommand::kStats},
    {"quit", McCommand::kQuit},
};

bool lookupCommand(std::string_view name, McCommand& command) {
  for (const CommandName& c : kCommands) {
    if (c.name == name) {
      command = c.command;
      return true;
    }
  }
  return false;
}

// The next space-separated token of `line` from `i` (empty at the end).
std::string_view nextToken(std::string_view line, size_t& i) {
  while (i < line.size() && line[i] == ' ') ++i;
  const size_t start = i;
  while (i < line.size() && line[i] != ' ') ++i;
  return line.substr(start, i - start);
}

bool validKey(std::string_view key) {
  if (key.empty() || key.size() > kMcMaxKeyLength) return false;
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool parseI32(std::string_view s, int64_t& value) {
  return detail::parseI64(s, value) && value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

// Result of one command line's parse: an error (with the bytes to skip) or success.
struct LineResult {
  std::string_view error;
  size_t skip = 0;
};

LineResult lineError(std::string_view error, size_t line_len) { return {error, line_len}; }

// get/gets/gat/gats: keys (and gat's exptime) straight into `out`.
LineResult parseRetrieval(std::string_view line, size_t i, size_t line_len, McRequest& out,
                          const ParserLimits& limits) {
  if (out.command == McCommand::kGat || out.command == McCommand::kGats) {
    const std::string_view exptime = nextToken(line, i);
    if (exptime.empty()) return lineError(kErrUnknown, line_len);
    if (!parseI32(exptime, out.exptime)) return lineError(kErrExptime, line_len);
  }
  for (std::string_view key = nextToken(line, i); !key.empty(); key = nextToken(line, i)) {
    if (!validKey(key)) return lineError(kErrFormat, line_len);
    if (out.keys.size() >= limits.max_args) return lineError(kErrTooManyKeys, line_len);
    out.keys.push_back(key);
  }
  if (out.keys.empty()) return lineError(kErrUnknown, line_len);
  return {};
}

// set/add/replace/append/prepend: key flags exptime bytes [noreply]; cas adds <cas unique>.
LineResult parseStorage(const std::vector<std::string_view>& args, size_t line_len, McRequest& out,
                        const ParserLimits& limits) {
  const size_t fixed = out.command == McCommand::kCas ? 5 : 4;
  if (args.size() != fixed && args.size() != fixed + 1) return lineError(kErrUnknown, line_len);
  if (!validKey(args[0])) return lineError(kErrFormat, line_len);
  uint64_t flags = 0;
  int64_t bytes = 0;
  if (!detail::parseU64(args[1], flags) || flags > std::numeric_limits<uint32_t>::max() ||
      !parseI32(args[2], out.exptime) || !parseI32(args[3], bytes) || bytes < 0) {
    return lineError(kErrFormat, line_len);
  }
  if (fixed == 5 && !detail::parseU64(args[4], out.cas)) return lineError(kErrFormat, line_len);
  out.flags = static_cast<uint32_t>(flags);
  out.bytes = static_cast<size_t>(bytes);
  out.keys.push_back(args[0]);
  if (out.bytes > limits.max_bulk_len) return lineError(kErrTooLarge, line_len + out.bytes + 2);
  return {};
}

LineResult parseDelete(const std::vector<std::string_view>& args, size_t line_len, McRequest& out) {
  if (args.empty() || args.size() > 3) return lineError(kErrUnknown, line_len);
  if (args.size() > 1) {
    const bool hold_is_zero = args[1] == "0";
    const bool valid = (args.size() == 2 && (hold_is_zero || out.noreply)) ||
                       (args.size() == 3 && hold_is_zero && out.noreply);
    if (!valid) return lineError(kErrDeleteUsage, line_len);
  }
  if (!validKey(args[0])) return lineError(kErrFormat, line_len);
  out.keys.push_back(args[0]);
  return {};
}

// incr/decr <key> <delta> and touch <key> <exptime>, each with an optional noreply.
LineResult parseKeyAndNumber(const std::vector<std::string_view>& args, size_t line_len,
                             McRequest& out) {
  if (args.size() != 2 && args.size() != 3) return lineError(kErrUnknown, line_len);
  if (!validKey(args[0])) return lineError(kErrFormat, line_len);
  if (out.command == McCommand::kTouch) {
    if (!parseI32(args[1], out.exptime)) return lineError(kErrExptime, line_len);
  } else if (!detail::parseU64(args[1], out.delta)) {
    return lineError(kErrDelta, line_len);
  }
  out.keys.push_back(args[0]);
  return {};
}

LineResult parseOther(const std::vector<std::string_view>& args, size_t line_len, McRequest& out) {
  switch (out.command) {
    case McCommand::kFlushAll:
      if (args.size() > 2) return lineError(kErrUnknown, line_len);
      if (args.size() != (out.noreply ? 1u : 0u) && !parseI32(args[0], out.exptime)) {
        return lineError(kErrExptime, line_len);
      }
      return {};
    case McCommand::kVerbosity: {
      uint64_t level = 0;
      if (args.size() != 1 && args.size() != 2) return lineError(kErrUnknown, line_len);
      if (!detail::parseU64(args[0], level) || level > std::numeric_limits<uint32_t>::max()) {
        return lineError(kErrFormat, line_len);
      }
      return {};
    }
    default:  // version, quit, stats: any arguments
      return {};
  }
}

LineResult parseLine(std::string_view line, size_t line_len, McRequest& out,
                     const ParserLimits& limits) {
  size_t i = 0;
  const std::string_view name = nextToken(line, i);
  if (!lookupCommand(name, out.command)) return lineError(kErrUnknown, line_len);
  if (isMcRetrieval(out.command)) return parseRetrieval(line, i, line_len, out, limits);
  for (std::string_view t = nextToken(line, i); !t.empty(); t = nextToken(line, i)) {
    out.args.push_back(t);
  }
  out.noreply = !out.args.empty() && out.args.back() == "noreply";
  switch (out.command) {
    case McCommand::kSet:
    case McCommand::kAdd:
    case McCommand::kReplace:
    case McCommand::kAppend:
    case McCommand::kPrepend:
    case McCommand::kCas:
      return parseStorage(out.args, line_len, out, limits);
    case McCommand::kDelete:
      return parseDelete(out.args, line_len, out);
    case McCommand::kIncr:
    case McCommand::kDecr:
    case McCommand::kTouch:
      return parseKeyAndNumber(out.args, line_len, out);
    default:
      return parseOther(out.args, line_len, out);
  }
}

// True when the (possibly partial) first token names a retrieval command, whose lines may be
// longer than others.
bool startsRetrieval(std::string_view in) {
  size_t i = 0;
  const std::string_view name = nextToken(in, i);
  if (i >= in.size()) return false;  // the name itself may still be growing
  return name == "get" || name == "gets" || name == "gat" || name == "gats";
}

// Finds the end of the command line. On kComplete, `consumed` is the line length with its LF.
ParseOutcome findLine(std::string_view in, McRequest& out, const ParserLimits& limits) {
  size_t limit = limits.max_inline_len;
  if (in.size() > limit && startsRetrieval(in.substr(0, limit))) {
    limit = std::max(limit, limits.max_retrieval_line_len);
  }
  const size_t window = std::min(in.size(), limit + 1);
  size_t from = 0;
  if (out.resume.active && out.resume.pos <= window) from = out.resume.pos;
  const void* found = std::memchr(in.data() + from, '\n', window - from);
  if (found != nullptr && from > 0) found = std::memchr(in.data(), '\n', window);  // authoritative
  if (found == nullptr) {
    if (in.size() > limit) {
      out.resume = ResumeHint{};
      return failure(kErrLineTooLong);
    }
    out.resume = ResumeHint{true, in.size(), 0, 0};
    return incomplete(in.size() + 1);
  }
  out.resume = ResumeHint{};
  return complete(static_cast<size_t>(static_cast<const char*>(found) - in.data()) + 1);
}

void reset(McRequest& out) {
  out.command = McCommand::kGet;
  out.keys.clear();
  out.flags = 0;
  out.exptime = 0;
  out.bytes = 0;
  out.cas = 0;
  out.delta = 0;
  out.data = {};
  out.args.clear();
  out.noreply = false;
}

}  // namespace

std::string_view mcCommandName(McCommand command) {
  for (const CommandName& c : kCommands) {
    if (c.command == command) return c.name;
  }
  return {};
}

bool isMcRetrieval(McCommand command) {
  return command == McCommand::kGet || command == McCommand::kGets || command == McCommand::kGat ||
         command == McCommand::kGats;
}

bool isMcStorage(McCommand command) {
  switch (command) {
    case McCommand::kSet:
    case McCommand::kAdd:
    case McCommand::kReplace:
    case McCommand::kAppend:
    case McCommand::kPrepend:
    case McCommand::kCas:
      return true;
    default:
      return false;
  }
}

void McRequest::clear() {
  reset(*this);
  resume = ResumeHint{};
}

ParseOutcome parseMcRequest(std::string_view in, McRequest& out, const ParserLimits& limits) {
  reset(out);
  if (in.empty()) return incomplete(1);
  const ParseOutcome found = findLine(in, out, limits);
  if (!found.complete()) return found;
  const size_t line_len = found.consumed;
  std::string_view line = in.substr(0, line_len - 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const LineResult r = parseLine(line, line_len, out, limits);
  if (!r.error.empty()) return failure(r.error, r.skip);
  if (!isMcStorage(out.command)) return complete(line_len);
  const size_t end = line_len + out.bytes + 2;
  if (in.size() < end) return incomplete(end);
  if (in[end - 2] != '\r' || in[end - 1] != '\n') return failure(kErrDataChunk, end);
  out.data = in.substr(line_len, out.bytes);
  return complete(end);
}

}  // namespace attache::ambassador::codec
