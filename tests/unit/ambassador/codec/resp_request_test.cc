#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ambassador-image/proxy/codec/resp.h"
#include "tests/unit/ambassador/codec/feed.h"

namespace attache::ambassador::codec {
namespace {

using testing::feedByteAtATime;
using testing::feedInSteps;
using testing::feedUntilError;
using Args = std::vector<std::string>;
using namespace std::string_literals;

Args toStrings(const std::vector<std::string_view>& views) {
  return Args(views.begin(), views.end());
}

struct ValidCase {
  const char* name;
  std::string input;
  Args args;
  bool inline_form;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

class RespRequestValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(RespRequestValid, ParsesTheWholeFrame) {
  const ValidCase& c = GetParam();
  RespRequest req;
  const ParseOutcome r = parseRespRequest(c.input, req);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  EXPECT_EQ(toStrings(req.args), c.args);
  EXPECT_EQ(req.inline_form, c.inline_form);
}

TEST_P(RespRequestValid, ByteAtATimeIsIncompleteUntilTheLastByteThenIdentical) {
  const ValidCase& c = GetParam();
  RespRequest req;
  std::string last;
  const ParseOutcome r = feedByteAtATime(
      c.input, [&](std::string_view in) { return parseRespRequest(in, req); }, last);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  EXPECT_EQ(toStrings(req.args), c.args);
  EXPECT_EQ(req.inline_form, c.inline_form);
}

TEST_P(RespRequestValid, FeedingInChunksOfAnySizeAgreesWithFreshParses) {
  const ValidCase& c = GetParam();
  for (size_t step = 1; step <= 8; ++step) {
    RespRequest req;
    std::string last;
    const ParseOutcome r = feedInSteps(
        c.input, step, [&](std::string_view in) { return parseRespRequest(in, req); },
        [](std::string_view in) {
          RespRequest fresh;
          return parseRespRequest(in, fresh);
        },
        last);
    ASSERT_TRUE(r.complete()) << r.error;
    EXPECT_EQ(toStrings(req.args), c.args);
  }
}

TEST_P(RespRequestValid, PipelinedFramesParseBackToBack) {
  const ValidCase& c = GetParam();
  const std::string ping = "*1\r\n$4\r\nPING\r\n";
  const std::string buf = ping + c.input + ping + c.input;
  RespRequest req;
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    const ParseOutcome r = parseRespRequest(std::string_view(buf).substr(pos), req);
    ASSERT_EQ(r.status, ParseStatus::kComplete) << "frame " << i << ": " << r.error;
    EXPECT_EQ(toStrings(req.args), i % 2 == 0 ? Args{"PING"} : c.args) << "frame " << i;
    pos += r.consumed;
  }
  EXPECT_EQ(pos, buf.size());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RespRequestValid,
    ::testing::Values(
        ValidCase{"GetAsAnArray", "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", {"GET", "key"}, false},
        ValidCase{"SetWithEmptyValue",
                  "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
                  {"SET", "k", ""},
                  false},
        ValidCase{"BinarySafeKeyWithCrLfInside",
                  "*2\r\n$3\r\nGET\r\n$5\r\na\r\n\0b\r\n"s,
                  {"GET", "a\r\n\0b"s},
                  false},
        ValidCase{"EmptyArrayIsNothingToRun", "*0\r\n", {}, false},
        ValidCase{"NilArrayIsNothingToRun", "*-1\r\n", {}, false},
        ValidCase{"InlinePingWithCrLf", "PING\r\n", {"PING"}, true},
        ValidCase{"InlineWithBareLf", "SET a b\n", {"SET", "a", "b"}, true},
        ValidCase{
            "InlineSplitsOnRunsOfSpacesAndTabs", "  SET\ta \t  b  \r\n", {"SET", "a", "b"}, true},
        ValidCase{"InlineDoubleQuotesKeepSpaces", "SET \"a b\" c\r\n", {"SET", "a b", "c"}, true},
        ValidCase{"InlineDoubleQuoteEscapes",
                  "SET k \"\\x41\\n\\t\\\"\\\\z\"\r\n",
                  {"SET", "k", "A\n\t\"\\z"},
                  true},
        ValidCase{"InlineSingleQuotesKeepBackslashes",
                  "SET k 'it\\'s \\n'\r\n",
                  {"SET", "k", "it's \\n"},
                  true},
        ValidCase{"InlineQuoteInsideAnArgumentJoinsIt",
                  "SET foo\"bar baz\" x\r\n",
                  {"SET", "foobar baz", "x"},
                  true},
        ValidCase{"InlineEmptyQuotedArgument", "SET k \"\"\r\n", {"SET", "k", ""}, true},
        ValidCase{"BlankInlineLineIsNothingToRun", "\r\n", {}, true},
        ValidCase{"InlineOfOnlySpacesIsNothingToRun", "   \n", {}, true}),
    testing::CaseName());

struct ErrorCase {
  const char* name;
  std::string input;
  std::string_view error;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class RespRequestMalformed : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RespRequestMalformed, FailsWithRedisError) {
  const ErrorCase& c = GetParam();
  RespRequest req;
  const ParseOutcome r = parseRespRequest(c.input, req);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, c.error);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.skip, 0u);
}

TEST_P(RespRequestMalformed, ByteAtATimeFailsTheSameWayOnceDetectable) {
  const ErrorCase& c = GetParam();
  RespRequest req;
  const ParseOutcome r =
      feedUntilError(c.input, [&](std::string_view in) { return parseRespRequest(in, req); });
  EXPECT_EQ(r.error, c.error);
}

constexpr std::string_view kMultibulk = "Protocol error: invalid multibulk length";
constexpr std::string_view kBulk = "Protocol error: invalid bulk length";
constexpr std::string_view kDollar = "Protocol error: expected '$'";
constexpr std::string_view kTerminator = "Protocol error: expected CRLF after bulk";
constexpr std::string_view kQuotes = "Protocol error: unbalanced quotes in request";

INSTANTIATE_TEST_SUITE_P(
    Cases, RespRequestMalformed,
    ::testing::Values(ErrorCase{"NonNumericArrayLength", "*abc\r\n", kMultibulk},
                      ErrorCase{"ArrayLengthWithPlusSign", "*+1\r\n", kMultibulk},
                      ErrorCase{"ArrayLengthWithLeadingZero", "*01\r\n", kMultibulk},
                      ErrorCase{"ArrayLengthOverflowingInt64", "*99999999999999999999\r\n",
                                kMultibulk},
                      ErrorCase{"ArrayHeaderWithBareLf", "*1\n$4\r\nPING\r\n", kMultibulk},
                      ErrorCase{"ArrayHeaderWithoutDigits", "*\r\n", kMultibulk},
                      ErrorCase{"TooManyArguments", "*1048577\r\n", kMultibulk},
                      ErrorCase{"ElementThatIsNotABulk", "*1\r\n:5\r\n", kDollar},
                      ErrorCase{"ElementWithBadTypeByte", "*1\r\n+PING\r\n", kDollar},
                      ErrorCase{"NegativeBulkLength", "*1\r\n$-5\r\n", kBulk},
                      ErrorCase{"NilBulkInARequest", "*1\r\n$-1\r\n", kBulk},
                      ErrorCase{"NonNumericBulkLength", "*1\r\n$abc\r\n", kBulk},
                      ErrorCase{"BulkLengthWithBareLf", "*1\r\n$4\nPING\r\n", kBulk},
                      ErrorCase{"BulkLongerThanProtoMaxBulkLen", "*1\r\n$536870913\r\n", kBulk},
                      ErrorCase{"BulkWithoutCrLf", "*1\r\n$4\r\nPINGxx", kTerminator},
                      ErrorCase{"BulkFollowedByBareLf", "*1\r\n$4\r\nPING\n\r", kTerminator},
                      ErrorCase{"UnterminatedDoubleQuote", "SET \"a b\r\n", kQuotes},
                      ErrorCase{"UnterminatedSingleQuote", "SET 'a\r\n", kQuotes},
                      ErrorCase{"ClosingQuoteGluedToText", "SET \"a\"b\r\n", kQuotes},
                      ErrorCase{"TrailingBackslashInQuotes", "SET \"a\\\r\n", kQuotes}),
    testing::CaseName());

TEST(RespRequestLimits, ArgumentCountAtTheLimitPassesAndAboveFails) {
  ParserLimits limits;
  limits.max_args = 2;
  RespRequest req;
  EXPECT_TRUE(parseRespRequest("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", req, limits).complete());
  const ParseOutcome r = parseRespRequest("*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n", req, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, kMultibulk);
}

TEST(RespRequestLimits, BulkLengthAtTheLimitPassesAndAboveFails) {
  ParserLimits limits;
  limits.max_bulk_len = 4;
  RespRequest req;
  EXPECT_TRUE(parseRespRequest("*1\r\n$4\r\nPING\r\n", req, limits).complete());
  const ParseOutcome r = parseRespRequest("*1\r\n$5\r\n", req, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, kBulk);
}

TEST(RespRequestLimits, InlineLineAtTheLimitPassesAndAboveFails) {
  ParserLimits limits;
  limits.max_inline_len = 8;
  RespRequest req;
  // The line counts up to the LF, its CR included (Redis counts buffered bytes).
  EXPECT_TRUE(parseRespRequest("GET abc\r\n", req, limits).complete());
  EXPECT_TRUE(parseRespRequest("GET abcd\n", req, limits).complete());
  EXPECT_TRUE(parseRespRequest("GET abcd\r\n", req, limits).failed());
  const ParseOutcome r = parseRespRequest("GET abcde\n", req, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, "Protocol error: too big inline request");
  // Without a newline: an error as soon as more than max_inline_len bytes are buffered.
  EXPECT_TRUE(parseRespRequest("GET abcd", req, limits).incomplete());
  EXPECT_TRUE(parseRespRequest("GET abcde", req, limits).failed());
}

TEST(RespRequestIncomplete, NeededIsTheExactEndOfAPendingBulk) {
  const std::string header = "*2\r\n$3\r\nSET\r\n$1048576\r\n";
  const std::string value(1 << 20, 'x');
  const std::string frame = header + value + "\r\n";
  RespRequest req;
  ParseOutcome r = parseRespRequest(std::string_view(frame).substr(0, header.size() + 100), req);
  ASSERT_TRUE(r.incomplete());
  EXPECT_EQ(r.needed, frame.size());
  r = parseRespRequest(std::string_view(frame).substr(0, frame.size() - 1), req);
  ASSERT_TRUE(r.incomplete());
  EXPECT_EQ(r.needed, frame.size());
  r = parseRespRequest(frame, req);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(req.args[1].size(), value.size());
}

TEST(RespRequestIncomplete, ResumeHintSkipsWhatWasAlreadyValidated) {
  std::string frame = "*1000\r\n";
  for (int i = 0; i < 1000; ++i) frame += "$5\r\nkey" + std::to_string(10 + i % 90) + "\r\n";
  RespRequest req;
  ASSERT_TRUE(
      parseRespRequest(std::string_view(frame).substr(0, frame.size() / 2), req).incomplete());
  EXPECT_TRUE(req.resume.active);
  EXPECT_GT(req.resume.count, 400u);
  const size_t validated = req.resume.pos;
  ASSERT_TRUE(
      parseRespRequest(std::string_view(frame).substr(0, frame.size() - 3), req).incomplete());
  EXPECT_GT(req.resume.pos, validated);
  const ParseOutcome r = parseRespRequest(frame, req);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(req.args.size(), 1000u);
  EXPECT_FALSE(req.resume.active);
}

TEST(RespRequestIncomplete, StaleHintFromAnotherStreamNeverCorruptsAResult) {
  RespRequest req;
  ASSERT_TRUE(parseRespRequest("*3\r\n$3\r\nDEL\r\n$1\r\na\r\n", req).incomplete());
  ASSERT_EQ(req.resume.pos, 20u);
  // The caller forgets clear() and parses another stream's frame, which has a LF where the
  // stale hint points.
  const std::string other = "*1\r\n$14\r\n0123456789\n123\r\n";
  ASSERT_EQ(other[19], '\n');
  const ParseOutcome r = parseRespRequest(other, req);
  ASSERT_TRUE(r.complete()) << r.error;
  EXPECT_EQ(toStrings(req.args), (Args{"0123456789\n123"}));
}

TEST(RespRequestIncomplete, EmptyInputNeedsOneByte) {
  RespRequest req;
  const ParseOutcome r = parseRespRequest("", req);
  ASSERT_TRUE(r.incomplete());
  EXPECT_EQ(r.needed, 1u);
}

TEST(RespRequestInline, QuotedArgumentsLiveInTheRequestStorage) {
  RespRequest req;
  const std::string in = "SET \"a b\" plain\r\n";
  ASSERT_TRUE(parseRespRequest(in, req).complete());
  ASSERT_EQ(req.args.size(), 3u);
  EXPECT_EQ(req.args[1].data(), req.storage.data());
  EXPECT_EQ(req.args[2].data(), in.data() + 10);  // unquoted: a view into the input
}

}  // namespace
}  // namespace attache::ambassador::codec
