#include <gtest/gtest.h>

#include <string>

#include "ambassador-image/proxy/codec/memcache.h"
#include "tests/unit/ambassador/codec/feed.h"

namespace attache::ambassador::codec {
namespace {

using testing::feedByteAtATime;
using testing::feedInSteps;
using testing::feedUntilError;
using Kind = McReply::Kind;

struct ValidCase {
  const char* name;
  McCommand command;
  std::string input;
  Kind kind;
  std::string values = {};  // kValues: the VALUE blocks without END
  size_t value_count = 0;
  std::string text = {};
  uint64_t number = 0;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

void expectReply(const McReply& rep, const ValidCase& c) {
  EXPECT_EQ(rep.kind, c.kind);
  EXPECT_EQ(rep.raw, c.input);
  EXPECT_EQ(rep.values, c.values);
  EXPECT_EQ(rep.value_count, c.value_count);
  EXPECT_EQ(rep.text, c.text);
  EXPECT_EQ(rep.number, c.number);
}

class McReplyValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(McReplyValid, ParsesTheWholeReply) {
  const ValidCase& c = GetParam();
  McReply rep;
  const ParseOutcome r = parseMcReply(c.input, c.command, rep);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  expectReply(rep, c);
}

TEST_P(McReplyValid, ByteAtATimeIsIncompleteUntilTheLastByteThenIdentical) {
  const ValidCase& c = GetParam();
  McReply rep;
  std::string last;
  const ParseOutcome r = feedByteAtATime(
      c.input, [&](std::string_view in) { return parseMcReply(in, c.command, rep); }, last);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  expectReply(rep, c);
}

TEST_P(McReplyValid, FeedingInChunksOfAnySizeAgreesWithFreshParses) {
  const ValidCase& c = GetParam();
  for (size_t step = 1; step <= 8; ++step) {
    McReply rep;
    std::string last;
    const ParseOutcome r = feedInSteps(
        c.input, step, [&](std::string_view in) { return parseMcReply(in, c.command, rep); },
        [&](std::string_view in) {
          McReply fresh;
          return parseMcReply(in, c.command, fresh);
        },
        last);
    ASSERT_TRUE(r.complete()) << r.error;
    expectReply(rep, c);
  }
}

TEST_P(McReplyValid, PipelinedRepliesParseBackToBack) {
  const ValidCase& c = GetParam();
  const std::string buf = c.input + c.input;
  McReply rep;
  const ParseOutcome first = parseMcReply(buf, c.command, rep);
  ASSERT_TRUE(first.complete()) << first.error;
  EXPECT_EQ(first.consumed, c.input.size());
  const ParseOutcome second =
      parseMcReply(std::string_view(buf).substr(first.consumed), c.command, rep);
  ASSERT_TRUE(second.complete()) << second.error;
  expectReply(rep, c);
}

using C = McCommand;
const std::string kTwoValues = "VALUE a 0 1\r\nx\r\nVALUE bb 5 4 77\r\n\r\nEN\r\n";

INSTANTIATE_TEST_SUITE_P(
    Retrieval, McReplyValid,
    ::testing::Values(ValidCase{"EndOnly", C::kGet, "END\r\n", Kind::kValues},
                      ValidCase{"OneValue", C::kGet, "VALUE k 3 2\r\nhi\r\nEND\r\n", Kind::kValues,
                                "VALUE k 3 2\r\nhi\r\n", 1},
                      ValidCase{"MultiValueWithCasAndBinaryData", C::kGets, kTwoValues + "END\r\n",
                                Kind::kValues, kTwoValues, 2},
                      ValidCase{"EmptyValue", C::kGat, "VALUE k 0 0\r\n\r\nEND\r\n", Kind::kValues,
                                "VALUE k 0 0\r\n\r\n", 1},
                      ValidCase{"ServerErrorInsteadOfValues", C::kGet,
                                "SERVER_ERROR out of memory\r\n", Kind::kServerError, "", 0,
                                "out of memory"},
                      ValidCase{"ClientErrorInsteadOfValues", C::kGats,
                                "CLIENT_ERROR bad command line format\r\n", Kind::kClientError, "",
                                0, "bad command line format"},
                      ValidCase{"ErrorInsteadOfValues", C::kGet, "ERROR\r\n", Kind::kError}),
    testing::CaseName());

INSTANTIATE_TEST_SUITE_P(
    SingleLine, McReplyValid,
    ::testing::Values(
        ValidCase{"Stored", C::kSet, "STORED\r\n", Kind::kStored},
        ValidCase{"NotStored", C::kAdd, "NOT_STORED\r\n", Kind::kNotStored},
        ValidCase{"Exists", C::kCas, "EXISTS\r\n", Kind::kExists},
        ValidCase{"NotFound", C::kCas, "NOT_FOUND\r\n", Kind::kNotFound},
        ValidCase{"Deleted", C::kDelete, "DELETED\r\n", Kind::kDeleted},
        ValidCase{"Touched", C::kTouch, "TOUCHED\r\n", Kind::kTouched},
        ValidCase{"IncrNumber", C::kIncr, "42\r\n", Kind::kNumber, "", 0, "42", 42},
        ValidCase{"DecrNumberPaddedWithSpaces", C::kDecr, "9  \r\n", Kind::kNumber, "", 0, "9", 9},
        ValidCase{"IncrMaxUint64", C::kIncr, "18446744073709551615\r\n", Kind::kNumber, "", 0,
                  "18446744073709551615", 18446744073709551615u},
        ValidCase{"IncrNotFound", C::kIncr, "NOT_FOUND\r\n", Kind::kNotFound},
        ValidCase{"IncrNonNumericValue", C::kIncr,
                  "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
                  Kind::kClientError, "", 0, "cannot increment or decrement non-numeric value"},
        ValidCase{"FlushAllOk", C::kFlushAll, "OK\r\n", Kind::kOk},
        ValidCase{"VerbosityOk", C::kVerbosity, "OK\r\n", Kind::kOk},
        ValidCase{"Version", C::kVersion, "VERSION 1.6.21\r\n", Kind::kVersion, "", 0, "1.6.21"},
        ValidCase{"ServerErrorToAStorage", C::kSet, "SERVER_ERROR object too large for cache\r\n",
                  Kind::kServerError, "", 0, "object too large for cache"},
        ValidCase{"ErrorWithMessage", C::kTouch, "ERROR unknown\r\n", Kind::kError, "", 0,
                  "unknown"},
        ValidCase{"UnknownLineIsOther", C::kSet, "BUSY try later\r\n", Kind::kOther, "", 0,
                  "BUSY try later"}),
    testing::CaseName());

INSTANTIATE_TEST_SUITE_P(
    Stats, McReplyValid,
    ::testing::Values(ValidCase{"StatLinesUntilEnd", C::kStats,
                                "STAT pid 1\r\nSTAT uptime 5\r\nEND\r\n", Kind::kStat, "", 2},
                      ValidCase{"EmptyStats", C::kStats, "END\r\n", Kind::kStat},
                      ValidCase{"StatsReset", C::kStats, "RESET\r\n", Kind::kOther, "", 0, "RESET"},
                      ValidCase{"StatsDetailOn", C::kStats, "OK\r\n", Kind::kOk},
                      ValidCase{"StatsUnknownSubcommand", C::kStats, "ERROR\r\n", Kind::kError}),
    testing::CaseName());

struct ErrorCase {
  const char* name;
  McCommand command;
  std::string input;
  std::string_view error;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class McReplyMalformed : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(McReplyMalformed, FailsWithAProtocolError) {
  const ErrorCase& c = GetParam();
  McReply rep;
  const ParseOutcome r = parseMcReply(c.input, c.command, rep);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, c.error);
}

TEST_P(McReplyMalformed, ByteAtATimeFailsTheSameWayOnceDetectable) {
  const ErrorCase& c = GetParam();
  McReply rep;
  const ParseOutcome r = feedUntilError(
      c.input, [&](std::string_view in) { return parseMcReply(in, c.command, rep); });
  EXPECT_EQ(r.error, c.error);
}

constexpr std::string_view kValueLine = "Protocol error: invalid VALUE line";
constexpr std::string_view kUnexpected = "Protocol error: unexpected reply line";

INSTANTIATE_TEST_SUITE_P(
    Cases, McReplyMalformed,
    ::testing::Values(
        ErrorCase{"LineWithBareLf", C::kSet, "STORED\n", "Protocol error: reply line without CRLF"},
        ErrorCase{"ValueWithoutLength", C::kGet, "VALUE k 0\r\n", kValueLine},
        ErrorCase{"ValueWithNonNumericLength", C::kGet, "VALUE k 0 x\r\n", kValueLine},
        ErrorCase{"ValueWithTooManyTokens", C::kGet, "VALUE k 0 1 2 3\r\n", kValueLine},
        ErrorCase{"ValueDataLongerThanAnnounced", C::kGet, "VALUE k 0 1\r\nxy\r\nEND\r\n",
                  "Protocol error: VALUE data block without CRLF"},
        ErrorCase{"StoredInReplyToAGet", C::kGet, "STORED\r\n", kUnexpected},
        ErrorCase{"ErrorAfterValues", C::kGet, "VALUE k 0 1\r\nx\r\nSERVER_ERROR oom\r\n",
                  kUnexpected}),
    testing::CaseName());

TEST(McReplyIncomplete, NeededIsTheExactEndOfAPendingValue) {
  const std::string in = "VALUE k 0 100000\r\n" + std::string(100000, 'v') + "\r\nEND\r\n";
  McReply rep;
  const ParseOutcome r = parseMcReply(std::string_view(in).substr(0, 500), C::kGet, rep);
  ASSERT_TRUE(r.incomplete());
  EXPECT_EQ(r.needed, in.size() - 5);
}

TEST(McReplyIncomplete, ManyValuesFedInChunksResumeAndMatchAOneShotParse) {
  std::string in;
  for (int i = 0; i < 3000; ++i) in += "VALUE key" + std::to_string(i) + " 0 3\r\nabc\r\n";
  const size_t values_len = in.size();
  in += "END\r\n";
  McReply rep;
  std::string buf;
  ParseOutcome r;
  for (size_t n = 700;; n += 700) {
    buf.assign(in, 0, std::min(n, in.size()));
    r = parseMcReply(buf, C::kGets, rep);
    if (!r.incomplete()) break;
    EXPECT_TRUE(rep.resume.active);
  }
  ASSERT_TRUE(r.complete()) << r.error;
  EXPECT_EQ(rep.value_count, 3000u);
  EXPECT_EQ(rep.values.size(), values_len);
  EXPECT_FALSE(rep.resume.active);
}

TEST(McReplyMerge, FanOutValuesConcatenateUnderOneEnd) {
  McReply a;
  McReply b;
  const std::string from_a = "VALUE a 0 1\r\n1\r\nEND\r\n";
  const std::string from_b = "VALUE b 0 1\r\n2\r\nEND\r\n";
  ASSERT_TRUE(parseMcReply(from_a, C::kGet, a).complete());
  ASSERT_TRUE(parseMcReply(from_b, C::kGet, b).complete());
  std::string merged(a.values);
  merged += b.values;
  appendMcLine(merged, "END");
  EXPECT_EQ(merged, "VALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\n");
}

TEST(McLineEncode, LineTextNeverSpansTwoLines) {
  std::string out;
  appendMcLine(out, "SERVER_ERROR a\r\nb");
  EXPECT_EQ(out, "SERVER_ERROR a  b\r\n");
}

}  // namespace
}  // namespace attache::ambassador::codec
