// memcached text protocol codec (doc/protocol.txt of memcached): request and reply parsers and
// the retrieval encoder the proxy needs to split multi-key gets across shards.
//
// Command lines end with "\n"; a "\r" before it is dropped (memcached accepts both). Tokens are
// separated by spaces only, as in memcached. Keys are 1..250 bytes without control characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/codec/parse_status.h"

namespace attache::ambassador::codec {

enum class McCommand {
  kGet,
  kGets,
  kGat,
  kGats,
  kSet,
  kAdd,
  kReplace,
  kAppend,
  kPrepend,
  kCas,
  kDelete,
  kIncr,
  kDecr,
  kTouch,
  kFlushAll,
  kVersion,
  kVerbosity,
  kStats,
  kQuit,
};

std::string_view mcCommandName(McCommand command);  // "get", "flush_all", ...
bool isMcRetrieval(McCommand command);              // get, gets, gat, gats
bool isMcStorage(McCommand command);                // set, add, replace, append, prepend, cas

inline constexpr size_t kMcMaxKeyLength = 250;

struct McRequest {
  McCommand command = McCommand::kGet;
  // get/gets/gat/gats: every key (at least one); other keyed commands: the one key.
  std::vector<std::string_view> keys;
  uint32_t flags = 0;
  int64_t exptime = 0;    // storage, touch, gat/gats; flush_all: the delay (0 when absent)
  size_t bytes = 0;       // storage: the data block's length
  uint64_t cas = 0;       // cas: the cas unique
  uint64_t delta = 0;     // incr/decr
  std::string_view data;  // storage: the data block without its CRLF
  // The tokens after the command name (for stats/verbosity/flush_all and every other
  // non-retrieval command; left empty for retrievals, whose tokens are in exptime and keys).
  std::vector<std::string_view> args;
  bool noreply = false;  // the last token was "noreply"
  ResumeHint resume;     // internal: where a kIncomplete parse stopped

  void clear();
};

// Parses one request at the start of `in` (the command line and, for storage commands, the data
// block). kComplete: in[0, consumed) is the whole request and can be forwarded verbatim.
// kError: `error` is the exact line to reply (append "\r\n"), `skip` how many bytes to discard
// before parsing the next request (0: reply, then close the connection):
//   "ERROR"                                   unknown or unsupported command (meta commands
//                                             included), wrong number of tokens, get/gets
//                                             without a key: skip = the line
//   "CLIENT_ERROR bad command line format"    key over 250 bytes or with control characters,
//                                             malformed or negative number: skip = the line
//   "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"   skip = the line
//   "CLIENT_ERROR invalid exptime argument"   touch, gat/gats, flush_all: skip = the line
//   "CLIENT_ERROR invalid numeric delta argument"   incr/decr: skip = the line
//   "CLIENT_ERROR too many keys"              more than max_args keys: skip = the line
//   "CLIENT_ERROR bad data chunk"             the data block is not followed by "\r\n":
//                                             skip = line + bytes + 2, as memcached swallows
//                                             exactly that much before checking the CRLF
//   "SERVER_ERROR object too large for cache" bytes > max_bulk_len: skip = line + bytes + 2
//                                             (memcached swallows the value; skip may exceed
//                                             in.size(): discard the rest as it arrives)
//   "CLIENT_ERROR line too long"              no "\n" within max_inline_len bytes (retrievals:
//                                             max_retrieval_line_len): skip = 0, close
// `noreply` is set even on errors when the line ended with "noreply" (memcached then sends
// nothing, not even the error).
ParseOutcome parseMcRequest(std::string_view in, McRequest& out, const ParserLimits& limits = {});

struct McReply {
  enum class Kind {
    kValues,
    kStored,
    kNotStored,
    kExists,
    kNotFound,
    kDeleted,
    kTouched,
    kNumber,
    kOk,
    kVersion,
    kStat,
    kError,
    kClientError,
    kServerError,
    kOther,
  };
  Kind kind = Kind::kOther;
  std::string_view raw;  // the whole reply (kValues: every VALUE block and the END line)
  // kValues: the VALUE blocks without the final "END\r\n" (fan-out replies concatenate, then
  // one "END\r\n" closes them). Empty when nothing was found.
  std::string_view values;
  size_t value_count = 0;  // kValues: VALUE blocks; kStat: STAT (or other) lines before END
  uint64_t number = 0;     // kNumber (incr/decr)
  // The text after the keyword, without CRLF: kError/kClientError/kServerError message,
  // kVersion version, kNumber digits; kOther: the whole line.
  std::string_view text;
  ResumeHint resume;  // internal: where a kIncomplete parse stopped

  void clear();
};

// Parses one upstream reply to a request of `for_command`:
//  - get/gets/gat/gats: VALUE blocks then END (kValues), or an error line;
//  - stats: "STAT ..." (or any) lines then END (kStat), or one of OK/RESET/error lines;
//  - others: one line: STORED, NOT_STORED, EXISTS, NOT_FOUND, DELETED, TOUCHED, OK,
//    VERSION <v>, a number (incr/decr; memcached may pad it with spaces), ERROR [msg],
//    CLIENT_ERROR <msg>, SERVER_ERROR <msg>; anything else is kOther.
// Reply lines must end with "\r\n". kError means the upstream stream is unusable: close it.
ParseOutcome parseMcReply(std::string_view in, McCommand for_command, McReply& out,
                          const ParserLimits& limits = {});

// Appends "get k1 k2\r\n" (gets likewise) or "gat <exptime> k1 k2\r\n" (gats likewise): the
// per-shard sub-request of a multi-key retrieval. Returns false and appends nothing when
// `command` is not a retrieval command or `keys` is empty.
bool appendMcRetrieval(std::string& out, McCommand command, std::span<const std::string_view> keys,
                       int64_t exptime = 0);

// Appends `line` and "\r\n" (CR and LF inside `line` become spaces): "END", "ERROR",
// "SERVER_ERROR no server available", ...
void appendMcLine(std::string& out, std::string_view line);

}  // namespace attache::ambassador::codec
