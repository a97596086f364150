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
using Strings = std::vector<std::string>;

Strings toStrings(const std::vector<std::string_view>& views) {
  return Strings(views.begin(), views.end());
}

struct ValidCase {
  const char* name;
  std::string input;
  char type;
  int64_t integer;
  std::string payload;
  Strings elements;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

void expectReply(const RespReply& rep, const ValidCase& c) {
  EXPECT_EQ(rep.type, c.type);
  EXPECT_EQ(rep.integer, c.integer);
  EXPECT_EQ(rep.payload, c.payload);
  EXPECT_EQ(rep.raw, c.input);
  EXPECT_EQ(toStrings(rep.elements), c.elements);
}

class RespReplyValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(RespReplyValid, ParsesTheWholeFrame) {
  const ValidCase& c = GetParam();
  RespReply rep;
  const ParseOutcome r = parseRespReply(c.input, rep);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  expectReply(rep, c);
}

TEST_P(RespReplyValid, ByteAtATimeIsIncompleteUntilTheLastByteThenIdentical) {
  const ValidCase& c = GetParam();
  RespReply rep;
  std::string last;
  const ParseOutcome r = feedByteAtATime(
      c.input, [&](std::string_view in) { return parseRespReply(in, rep); }, last);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  expectReply(rep, c);
}

TEST_P(RespReplyValid, FeedingInChunksOfAnySizeAgreesWithFreshParses) {
  const ValidCase& c = GetParam();
  for (size_t step = 1; step <= 8; ++step) {
    RespReply rep;
    std::string last;
    const ParseOutcome r = feedInSteps(
        c.input, step, [&](std::string_view in) { return parseRespReply(in, rep); },
        [](std::string_view in) {
          RespReply fresh;
          return parseRespReply(in, fresh);
        },
        last);
    ASSERT_TRUE(r.complete()) << r.error;
    expectReply(rep, c);
  }
}

TEST_P(RespReplyValid, PipelinedFramesParseBackToBack) {
  const ValidCase& c = GetParam();
  const std::string buf = c.input + "+OK\r\n" + c.input;
  RespReply rep;
  const ParseOutcome first = parseRespReply(buf, rep);
  ASSERT_TRUE(first.complete());
  EXPECT_EQ(first.consumed, c.input.size());
  const ParseOutcome ok = parseRespReply(std::string_view(buf).substr(first.consumed), rep);
  ASSERT_TRUE(ok.complete());
  EXPECT_EQ(rep.payload, "OK");
  const ParseOutcome last =
      parseRespReply(std::string_view(buf).substr(first.consumed + ok.consumed), rep);
  ASSERT_TRUE(last.complete());
  expectReply(rep, c);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RespReplyValid,
    ::testing::Values(
        ValidCase{"SimpleString", "+OK\r\n", '+', 0, "OK", {}},
        ValidCase{"EmptySimpleString", "+\r\n", '+', 0, "", {}},
        ValidCase{
            "Error", "-ERR unknown command 'foo'\r\n", '-', 0, "ERR unknown command 'foo'", {}},
        ValidCase{"Integer", ":1000\r\n", ':', 1000, "", {}},
        ValidCase{"NegativeInteger", ":-42\r\n", ':', -42, "", {}},
        ValidCase{"Int64Min", ":-9223372036854775808\r\n", ':', INT64_MIN, "", {}},
        ValidCase{"Bulk", "$5\r\nhello\r\n", '$', 5, "hello", {}},
        ValidCase{"BinaryBulkWithCrLfInside", "$4\r\n\r\n\r\n\r\n", '$', 4, "\r\n\r\n", {}},
        ValidCase{"EmptyBulk", "$0\r\n\r\n", '$', 0, "", {}},
        ValidCase{"NilBulk", "$-1\r\n", '$', -1, "", {}},
        ValidCase{"NilArray", "*-1\r\n", '*', -1, "", {}},
        ValidCase{"EmptyArray", "*0\r\n", '*', 0, "", {}},
        ValidCase{"ArrayOfMixedElementsKeepsRawFrames",
                  "*5\r\n$3\r\nfoo\r\n$-1\r\n:7\r\n+OK\r\n-ERR x\r\n",
                  '*',
                  5,
                  "",
                  {"$3\r\nfoo\r\n", "$-1\r\n", ":7\r\n", "+OK\r\n", "-ERR x\r\n"}},
        ValidCase{"NestedArraysStayRaw",
                  "*3\r\n*2\r\n:1\r\n*1\r\n$1\r\na\r\n*0\r\n*-1\r\n",
                  '*',
                  3,
                  "",
                  {"*2\r\n:1\r\n*1\r\n$1\r\na\r\n", "*0\r\n", "*-1\r\n"}},
        ValidCase{"NestedArraysEndingOnChunkBoundaries",
                  "*2\r\n*2\r\n-:1\r\n*0\r\n+*2\r\n",
                  '*',
                  2,
                  "",
                  {"*2\r\n-:1\r\n*0\r\n", "+*2\r\n"}},
        ValidCase{"ScanReply",
                  "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                  '*',
                  2,
                  "",
                  {"$1\r\n0\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"}}),
    testing::CaseName());

struct ErrorCase {
  const char* name;
  std::string input;
  std::string_view error;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class RespReplyMalformed : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RespReplyMalformed, FailsWithAProtocolError) {
  const ErrorCase& c = GetParam();
  RespReply rep;
  const ParseOutcome r = parseRespReply(c.input, rep);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, c.error);
  EXPECT_EQ(r.consumed, 0u);
}

TEST_P(RespReplyMalformed, ByteAtATimeFailsTheSameWayOnceDetectable) {
  const ErrorCase& c = GetParam();
  RespReply rep;
  const ParseOutcome r =
      feedUntilError(c.input, [&](std::string_view in) { return parseRespReply(in, rep); });
  EXPECT_EQ(r.error, c.error);
}

constexpr std::string_view kType = "Protocol error: invalid reply type";
constexpr std::string_view kBulk = "Protocol error: invalid bulk length";
constexpr std::string_view kMultibulk = "Protocol error: invalid multibulk length";

std::string nested(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += "*1\r\n";
  return s + ":1\r\n";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RespReplyMalformed,
    ::testing::Values(
        ErrorCase{"BadTypeByte", "!5\r\nhello\r\n", kType},
        ErrorCase{"Resp3TypeByte", "%1\r\n", kType},
        ErrorCase{"BadTypeByteInsideAnArray", "*1\r\nx\r\n", kType},
        ErrorCase{"NonNumericInteger", ":abc\r\n", "Protocol error: invalid integer"},
        ErrorCase{"BulkLengthBelowMinusOne", "$-2\r\n", kBulk},
        ErrorCase{"NonNumericBulkLength", "$x\r\n", kBulk},
        ErrorCase{"HugeBulkLength", "$99999999999\r\n", kBulk},
        ErrorCase{"BulkWithoutCrLf", "$3\r\nfooXY", "Protocol error: expected CRLF after bulk"},
        ErrorCase{"ArrayLengthBelowMinusOne", "*-2\r\n", kMultibulk},
        ErrorCase{"NonNumericArrayLength", "*a\r\n", kMultibulk},
        ErrorCase{"SimpleStringWithBareLf", "+OK\n", "Protocol error: expected CRLF"},
        ErrorCase{"NestingDeeperThan32", nested(33), "Protocol error: nesting too deep"}),
    testing::CaseName());

TEST(RespReplyLimits, NestingOf32ArraysIsAccepted) {
  RespReply rep;
  const std::string in = nested(32);
  const ParseOutcome r = parseRespReply(in, rep);
  ASSERT_TRUE(r.complete()) << r.error;
  EXPECT_EQ(r.consumed, in.size());
  ASSERT_EQ(rep.elements.size(), 1u);
  EXPECT_EQ(rep.elements[0], in.substr(4));
}

TEST(RespReplyLimits, DepthElementCountAndBulkLimitsAreConfigurable) {
  ParserLimits limits;
  limits.max_depth = 2;
  limits.max_args = 3;
  limits.max_bulk_len = 3;
  RespReply rep;
  EXPECT_TRUE(parseRespReply(nested(2), rep, limits).complete());
  EXPECT_TRUE(parseRespReply(nested(3), rep, limits).failed());
  EXPECT_TRUE(parseRespReply("*3\r\n:1\r\n:2\r\n:3\r\n", rep, limits).complete());
  EXPECT_TRUE(parseRespReply("*4\r\n", rep, limits).failed());
  EXPECT_TRUE(parseRespReply("$3\r\nabc\r\n", rep, limits).complete());
  EXPECT_TRUE(parseRespReply("$4\r\n", rep, limits).failed());
}

TEST(RespReplyLimits, SimpleStringLongerThanTheInlineLimitFails) {
  ParserLimits limits;
  limits.max_inline_len = 4;
  RespReply rep;
  EXPECT_TRUE(parseRespReply("+abcd\r\n", rep, limits).complete());
  const ParseOutcome r = parseRespReply("+abcde\r\n", rep, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, "Protocol error: too big simple string");
}

TEST(RespReplyIncomplete, LargeArrayFedInChunksResumesAndMatchesAOneShotParse) {
  std::string in = "*20000\r\n";
  for (int i = 0; i < 20000; ++i) {
    in += i % 3 == 0 ? "*2\r\n:1\r\n$2\r\nab\r\n" : "$3\r\nxyz\r\n";
  }
  RespReply rep;
  std::string buf;
  ParseOutcome r;
  size_t calls = 0;
  for (size_t pos = 0; pos < in.size(); pos += 1000) {
    buf.assign(in, 0, std::min(in.size(), pos + 1000));
    r = parseRespReply(buf, rep);
    ++calls;
    if (!r.incomplete()) break;
    EXPECT_TRUE(rep.resume.active || rep.stack.empty());
  }
  ASSERT_TRUE(r.complete()) << r.error;
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(rep.elements.size(), 20000u);
  EXPECT_EQ(rep.elements[0], "*2\r\n:1\r\n$2\r\nab\r\n");
  EXPECT_EQ(rep.elements[1], "$3\r\nxyz\r\n");
  EXPECT_FALSE(rep.resume.active);
  EXPECT_GT(calls, 100u);
}

TEST(RespReplyIncomplete, NeededIsTheExactEndOfAPendingBulk) {
  const std::string in = "$1000000\r\n" + std::string(1000000, 'v') + "\r\n";
  RespReply rep;
  const ParseOutcome r = parseRespReply(std::string_view(in).substr(0, 5000), rep);
  ASSERT_TRUE(r.incomplete());
  EXPECT_EQ(r.needed, in.size());
}

}  // namespace
}  // namespace attache::ambassador::codec
