// Redis RESP2 codec: request and reply parsers, reply and command encoders.
//
// Parsers take the bytes at the start of the caller's buffer and fill a caller-owned structure
// that is reused across calls (it keeps its capacity: no allocation once warmed up). Views point
// into the caller's buffer and stay valid while those bytes do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/codec/parse_status.h"

namespace attache::ambassador::codec {

struct RespRequest {
  // args[0] is the command name as sent (any case). Views into the input buffer, except for
  // quoted inline arguments ("a b", 'it''s', "\x00") which are unescaped into `storage`.
  // Empty on kComplete means "nothing to run": a blank inline line or "*0\r\n" / "*-1\r\n";
  // Redis consumes those silently, so consume them and send no reply.
  std::vector<std::string_view> args;
  // The request came as an inline command ("PING\r\n", "SET a b\n"): in[0, consumed) is not
  // RESP, re-encode it (appendCommand(out, args)) instead of forwarding the raw bytes. A RESP
  // array request can be forwarded verbatim.
  bool inline_form = false;
  // Backing store for unescaped quoted inline arguments (capacity reused).
  std::string storage;
  // Internal: where a kIncomplete parse stopped (see ResumeHint).
  ResumeHint resume;

  // Call before reusing this structure for another stream after a kIncomplete.
  void clear();
};

// Parses one request at the start of `in`.
//  - RESP array ("*<n>\r\n" then n bulk strings "$<len>\r\n<bytes>\r\n"): CRLF is required
//    everywhere; numbers follow Redis' string2ll (optional '-', no '+', no leading zeros).
//  - anything else is an inline command: one line ended by "\n" (an optional "\r" before it is
//    dropped), split like Redis' sdssplitargs: blanks separate arguments; "..." accepts the
//    escapes \n \r \t \b \a \\ \" \xHH; '...' accepts \'; a closing quote must be followed by a
//    blank or the end of the line. A NUL byte is an ordinary character (Redis ends the line at
//    it).
// kComplete: `out` filled, consumed = frame length. kIncomplete: see ParseOutcome::needed; `out`
// holds a resume hint (continue with the same bytes plus more). kError: Redis' message, e.g.
// "Protocol error: invalid multibulk length" (count not a number, above max_args),
// "Protocol error: expected '$'", "Protocol error: invalid bulk length" (not a number, negative,
// above max_bulk_len), "Protocol error: expected CRLF after bulk", "Protocol error: too big
// inline request", "Protocol error: unbalanced quotes in request". Reply "-ERR <error>\r\n"
// (appendProtocolError) and close the connection.
ParseOutcome parseRespRequest(std::string_view in, RespRequest& out,
                              const ParserLimits& limits = {});

struct RespReply {
  char type = 0;             // '+', '-', ':', '$', '*'
  int64_t integer = 0;       // ':' value; '$' / '*' length (-1 = nil)
  std::string_view payload;  // '+' / '-' text, '$' contents
  std::string_view raw;      // the whole frame
  // Top-level '*': each element's raw frame (nested arrays kept whole, unparsed).
  std::vector<std::string_view> elements;
  // Internal: the nesting stack of the iterative parser and the kIncomplete resume hint.
  std::vector<int64_t> stack;
  ResumeHint resume;

  void clear();
};

// Parses one complete reply frame (any nesting, iteratively; at most max_depth nested arrays,
// at most max_args elements per array, bulks up to max_bulk_len) at the start of `in`.
// Errors ("Protocol error: invalid reply type", "... invalid bulk length", "... nesting too
// deep", ...) mean the upstream stream is unusable: close that connection.
ParseOutcome parseRespReply(std::string_view in, RespReply& out, const ParserLimits& limits = {});

// Encoders append one frame to `out`.
void appendArrayHeader(std::string& out, size_t n);
void appendBulk(std::string& out, std::string_view s);
void appendNilBulk(std::string& out);
void appendNilArray(std::string& out);
void appendInteger(std::string& out, int64_t v);
// Simple string and error: CR and LF inside the text are replaced by spaces (as Redis does).
void appendSimple(std::string& out, std::string_view s);
void appendError(std::string& out, std::string_view msg);  // msg like "ERR unknown command"
// "-ERR <error>\r\n" for a ParseOutcome::error of parseRespRequest.
void appendProtocolError(std::string& out, std::string_view error);
// A command as a RESP array of bulk strings.
void appendCommand(std::string& out, std::initializer_list<std::string_view> args);
void appendCommand(std::string& out, std::span<const std::string_view> args);

}  // namespace attache::ambassador::codec
