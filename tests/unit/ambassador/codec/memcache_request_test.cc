#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ambassador-image/proxy/codec/memcache.h"
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

// What a parsed request must hold.
struct Expected {
  McCommand command;
  Strings keys = {};
  uint32_t flags = 0;
  int64_t exptime = 0;
  size_t bytes = 0;
  uint64_t cas = 0;
  uint64_t delta = 0;
  std::string data = {};
  Strings args = {};
  bool noreply = false;
};

struct ValidCase {
  const char* name;
  std::string input;
  Expected want;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

void expectRequest(const McRequest& req, const Expected& want) {
  EXPECT_EQ(req.command, want.command);
  EXPECT_EQ(toStrings(req.keys), want.keys);
  EXPECT_EQ(req.flags, want.flags);
  EXPECT_EQ(req.exptime, want.exptime);
  EXPECT_EQ(req.bytes, want.bytes);
  EXPECT_EQ(req.cas, want.cas);
  EXPECT_EQ(req.delta, want.delta);
  EXPECT_EQ(req.data, want.data);
  EXPECT_EQ(toStrings(req.args), want.args);
  EXPECT_EQ(req.noreply, want.noreply);
}

class McRequestValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(McRequestValid, ParsesTheWholeRequest) {
  const ValidCase& c = GetParam();
  McRequest req;
  const ParseOutcome r = parseMcRequest(c.input, req);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  expectRequest(req, c.want);
}

TEST_P(McRequestValid, ByteAtATimeIsIncompleteUntilTheLastByteThenIdentical) {
  const ValidCase& c = GetParam();
  McRequest req;
  std::string last;
  const ParseOutcome r = feedByteAtATime(
      c.input, [&](std::string_view in) { return parseMcRequest(in, req); }, last);
  ASSERT_EQ(r.status, ParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, c.input.size());
  expectRequest(req, c.want);
}

TEST_P(McRequestValid, FeedingInChunksOfAnySizeAgreesWithFreshParses) {
  const ValidCase& c = GetParam();
  for (size_t step = 1; step <= 8; ++step) {
    McRequest req;
    std::string last;
    const ParseOutcome r = feedInSteps(
        c.input, step, [&](std::string_view in) { return parseMcRequest(in, req); },
        [](std::string_view in) {
          McRequest fresh;
          return parseMcRequest(in, fresh);
        },
        last);
    ASSERT_TRUE(r.complete()) << r.error;
    expectRequest(req, c.want);
  }
}

TEST_P(McRequestValid, PipelinedRequestsParseBackToBack) {
  const ValidCase& c = GetParam();
  const std::string buf = "version\r\n" + c.input + c.input + "quit\r\n";
  McRequest req;
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    const ParseOutcome r = parseMcRequest(std::string_view(buf).substr(pos), req);
    ASSERT_EQ(r.status, ParseStatus::kComplete) << "request " << i << ": " << r.error;
    if (i == 1 || i == 2) expectRequest(req, c.want);
    pos += r.consumed;
  }
  EXPECT_EQ(req.command, McCommand::kQuit);
  EXPECT_EQ(pos, buf.size());
}

using C = McCommand;

INSTANTIATE_TEST_SUITE_P(
    Retrieval, McRequestValid,
    ::testing::Values(
        ValidCase{"GetOneKey", "get foo\r\n", {C::kGet, {"foo"}}},
        ValidCase{"GetManyKeysWithExtraSpaces", "get  a b   c \r\n", {C::kGet, {"a", "b", "c"}}},
        ValidCase{"GetWithBareLf", "get foo\n", {C::kGet, {"foo"}}},
        ValidCase{"GetsTwoKeys", "gets a b\r\n", {C::kGets, {"a", "b"}}},
        ValidCase{"GatWithExptime", "gat 300 a b\r\n", {C::kGat, {"a", "b"}, 0, 300}},
        ValidCase{"GatsWithNegativeExptime", "gats -1 a\r\n", {C::kGats, {"a"}, 0, -1}},
        ValidCase{"KeyOf250Bytes",
                  "get " + std::string(250, 'k') + "\r\n",
                  {C::kGet, {std::string(250, 'k')}}}),
    testing::CaseName());

INSTANTIATE_TEST_SUITE_P(
    Storage, McRequestValid,
    ::testing::Values(
        ValidCase{"Set",
                  "set k 5 60 3\r\nabc\r\n",
                  {C::kSet, {"k"}, 5, 60, 3, 0, 0, "abc", {"k", "5", "60", "3"}}},
        ValidCase{"SetNoreply",
                  "set k 0 0 1 noreply\r\nx\r\n",
                  {C::kSet, {"k"}, 0, 0, 1, 0, 0, "x", {"k", "0", "0", "1", "noreply"}, true}},
        ValidCase{"SetEmptyValue",
                  "set k 0 0 0\r\n\r\n",
                  {C::kSet, {"k"}, 0, 0, 0, 0, 0, "", {"k", "0", "0", "0"}}},
        ValidCase{
            "SetBinaryValueWithCrLfInside",
            "set k 4294967295 0 4\r\n\r\n\r\n\r\n",
            {C::kSet, {"k"}, 4294967295u, 0, 4, 0, 0, "\r\n\r\n", {"k", "4294967295", "0", "4"}}},
        ValidCase{"Add",
                  "add k 1 2 1\r\nx\r\n",
                  {C::kAdd, {"k"}, 1, 2, 1, 0, 0, "x", {"k", "1", "2", "1"}}},
        ValidCase{"Replace",
                  "replace k 1 2 1\r\nx\r\n",
                  {C::kReplace, {"k"}, 1, 2, 1, 0, 0, "x", {"k", "1", "2", "1"}}},
        ValidCase{"Append",
                  "append k 0 0 2\r\nxy\r\n",
                  {C::kAppend, {"k"}, 0, 0, 2, 0, 0, "xy", {"k", "0", "0", "2"}}},
        ValidCase{"Prepend",
                  "prepend k 0 0 2\r\nxy\r\n",
                  {C::kPrepend, {"k"}, 0, 0, 2, 0, 0, "xy", {"k", "0", "0", "2"}}},
        ValidCase{"CasWithUnique",
                  "cas k 0 0 1 18446744073709551615\r\nx\r\n",
                  {C::kCas,
                   {"k"},
                   0,
                   0,
                   1,
                   18446744073709551615u,
                   0,
                   "x",
                   {"k", "0", "0", "1", "18446744073709551615"}}},
        ValidCase{
            "CasNoreply",
            "cas k 0 0 1 7 noreply\r\nx\r\n",
            {C::kCas, {"k"}, 0, 0, 1, 7, 0, "x", {"k", "0", "0", "1", "7", "noreply"}, true}}),
    testing::CaseName());

INSTANTIATE_TEST_SUITE_P(
    Others, McRequestValid,
    ::testing::Values(
        ValidCase{"Delete", "delete k\r\n", {C::kDelete, {"k"}, 0, 0, 0, 0, 0, "", {"k"}}},
        ValidCase{"DeleteNoreply",
                  "delete k noreply\r\n",
                  {C::kDelete, {"k"}, 0, 0, 0, 0, 0, "", {"k", "noreply"}, true}},
        ValidCase{"DeleteWithZeroHold",
                  "delete k 0\r\n",
                  {C::kDelete, {"k"}, 0, 0, 0, 0, 0, "", {"k", "0"}}},
        ValidCase{"DeleteWithZeroHoldNoreply",
                  "delete k 0 noreply\r\n",
                  {C::kDelete, {"k"}, 0, 0, 0, 0, 0, "", {"k", "0", "noreply"}, true}},
        ValidCase{"Incr", "incr k 5\r\n", {C::kIncr, {"k"}, 0, 0, 0, 0, 5, "", {"k", "5"}}},
        ValidCase{"DecrNoreply",
                  "decr k 18446744073709551615 noreply\r\n",
                  {C::kDecr,
                   {"k"},
                   0,
                   0,
                   0,
                   0,
                   18446744073709551615u,
                   "",
                   {"k", "18446744073709551615", "noreply"},
                   true}},
        ValidCase{"Touch", "touch k 10\r\n", {C::kTouch, {"k"}, 0, 10, 0, 0, 0, "", {"k", "10"}}},
        ValidCase{"TouchNoreply",
                  "touch k 10 noreply\r\n",
                  {C::kTouch, {"k"}, 0, 10, 0, 0, 0, "", {"k", "10", "noreply"}, true}},
        ValidCase{"FlushAll", "flush_all\r\n", {C::kFlushAll}},
        ValidCase{"FlushAllWithDelay",
                  "flush_all 30\r\n",
                  {C::kFlushAll, {}, 0, 30, 0, 0, 0, "", {"30"}}},
        ValidCase{"FlushAllNoreply",
                  "flush_all noreply\r\n",
                  {C::kFlushAll, {}, 0, 0, 0, 0, 0, "", {"noreply"}, true}},
        ValidCase{"FlushAllWithDelayNoreply",
                  "flush_all 30 noreply\r\n",
                  {C::kFlushAll, {}, 0, 30, 0, 0, 0, "", {"30", "noreply"}, true}},
        ValidCase{"Version", "version\r\n", {C::kVersion}},
        ValidCase{"Verbosity", "verbosity 1\r\n", {C::kVerbosity, {}, 0, 0, 0, 0, 0, "", {"1"}}},
        ValidCase{"VerbosityNoreply",
                  "verbosity 1 noreply\r\n",
                  {C::kVerbosity, {}, 0, 0, 0, 0, 0, "", {"1", "noreply"}, true}},
        ValidCase{"Stats", "stats\r\n", {C::kStats}},
        ValidCase{
            "StatsWithArguments", "stats slabs\r\n", {C::kStats, {}, 0, 0, 0, 0, 0, "", {"slabs"}}},
        ValidCase{"Quit", "quit\r\n", {C::kQuit}}),
    testing::CaseName());

struct ErrorCase {
  const char* name;
  std::string input;
  std::string_view error;
  size_t skip;  // bytes to discard; 0: close the connection
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class McRequestMalformed : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(McRequestMalformed, FailsWithTheReplyMemcachedWouldSend) {
  const ErrorCase& c = GetParam();
  McRequest req;
  const ParseOutcome r = parseMcRequest(c.input, req);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, c.error);
  EXPECT_EQ(r.skip, c.skip);
  EXPECT_EQ(r.consumed, 0u);
}

TEST_P(McRequestMalformed, ByteAtATimeFailsTheSameWayOnceDetectable) {
  const ErrorCase& c = GetParam();
  McRequest req;
  const ParseOutcome r =
      feedUntilError(c.input, [&](std::string_view in) { return parseMcRequest(in, req); });
  EXPECT_EQ(r.error, c.error);
  EXPECT_EQ(r.skip, c.skip);
}

constexpr std::string_view kUnknown = "ERROR";
constexpr std::string_view kFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kExptime = "CLIENT_ERROR invalid exptime argument";

INSTANTIATE_TEST_SUITE_P(
    Cases, McRequestMalformed,
    ::testing::Values(
        ErrorCase{"UnknownCommand", "frob k\r\n", kUnknown, 8},
        ErrorCase{"MetaCommandsAreUnsupported", "mg foo v\r\n", kUnknown, 10},
        ErrorCase{"CommandNamesAreCaseSensitive", "GET k\r\n", kUnknown, 7},
        ErrorCase{"EmptyLine", "\r\n", kUnknown, 2},
        ErrorCase{"GetWithoutKeys", "get\r\n", kUnknown, 5},
        ErrorCase{"GetWithOnlySpaces", "get   \r\n", kUnknown, 8},
        ErrorCase{"GatWithoutKeys", "gat 10\r\n", kUnknown, 8},
        ErrorCase{"GatWithBadExptime", "gat x k\r\n", kExptime, 9},
        ErrorCase{"KeyOf251Bytes", "get " + std::string(251, 'k') + "\r\n", kFormat, 257},
        ErrorCase{"KeyWithTab", "get a\tb\r\n", kFormat, 9},
        ErrorCase{"KeyWithControlCharacter", "delete a\x01\r\n", kFormat, 11},
        ErrorCase{"SetWithTooFewTokens", "set k 0 0\r\n", kUnknown, 11},
        ErrorCase{"SetWithTooManyTokens", "set k 0 0 1 noreply x\r\nx\r\n", kUnknown, 23},
        ErrorCase{"SetWithNegativeBytes", "set k 0 0 -1\r\n", kFormat, 14},
        ErrorCase{"SetWithNonNumericFlags", "set k x 0 1\r\nx\r\n", kFormat, 13},
        ErrorCase{"SetWithFlagsAbove32Bits", "set k 4294967296 0 1\r\nx\r\n", kFormat, 22},
        ErrorCase{"SetWithKeyOf251Bytes", "set " + std::string(251, 'k') + " 0 0 1\r\nx\r\n",
                  kFormat, 263},
        ErrorCase{"DataBlockLongerThanAnnounced", "set k 0 0 3\r\nabcd\r\n",
                  "CLIENT_ERROR bad data chunk", 18},
        ErrorCase{"DataBlockShorterThanAnnounced", "set k 0 0 5\r\nabc\r\nget k\r\n",
                  "CLIENT_ERROR bad data chunk", 20},
        ErrorCase{"CasWithoutUnique", "cas k 0 0 1\r\nx\r\n", kUnknown, 13},
        ErrorCase{"CasWithBadUnique", "cas k 0 0 1 x\r\nx\r\n", kFormat, 15},
        ErrorCase{"DeleteWithNonZeroHold", "delete k 5\r\n",
                  "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]", 12},
        ErrorCase{"DeleteWithTooManyTokens", "delete k 0 noreply x\r\n", kUnknown, 22},
        ErrorCase{"IncrWithNegativeDelta", "incr k -1\r\n",
                  "CLIENT_ERROR invalid numeric delta argument", 11},
        ErrorCase{"IncrWithoutDelta", "incr k\r\n", kUnknown, 8},
        ErrorCase{"TouchWithBadExptime", "touch k soon\r\n", kExptime, 14},
        ErrorCase{"FlushAllWithBadDelay", "flush_all soon\r\n", kExptime, 16},
        ErrorCase{"FlushAllWithTooManyTokens", "flush_all 1 noreply x\r\n", kUnknown, 23},
        ErrorCase{"VerbosityWithoutLevel", "verbosity\r\n", kUnknown, 11},
        ErrorCase{"VerbosityWithBadLevel", "verbosity loud\r\n", kFormat, 16}),
    testing::CaseName());

TEST(McRequestErrors, NoreplyIsReportedEvenOnAnError) {
  McRequest req;
  const ParseOutcome r = parseMcRequest("set k 0 0 -1 noreply\r\n", req);
  ASSERT_TRUE(r.failed());
  EXPECT_TRUE(req.noreply);
}

TEST(McRequestErrors, ObjectTooLargeSwallowsTheValueEvenBeforeItArrives) {
  ParserLimits limits;
  limits.max_bulk_len = 10;
  McRequest req;
  const ParseOutcome r = parseMcRequest("set k 0 0 11\r\n", req, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, "SERVER_ERROR object too large for cache");
  EXPECT_EQ(r.skip, 14u + 11u + 2u);
}

TEST(McRequestErrors, AfterSkippingABadDataChunkTheNextRequestParses) {
  const std::string buf = "set k 0 0 2\r\nabc\r\nget k\r\n";
  McRequest req;
  const ParseOutcome bad = parseMcRequest(buf, req);
  ASSERT_TRUE(bad.failed());
  // memcached reads exactly <bytes> + 2 after the line, then checks the CRLF: "c\r" was the
  // terminator it saw, "\n" then starts the next line (an empty, unknown command).
  EXPECT_EQ(bad.skip, 17u);
  const ParseOutcome next = parseMcRequest(std::string_view(buf).substr(bad.skip), req);
  ASSERT_TRUE(next.failed());
  EXPECT_EQ(next.error, "ERROR");
  const ParseOutcome get = parseMcRequest(std::string_view(buf).substr(bad.skip + next.skip), req);
  ASSERT_TRUE(get.complete());
  EXPECT_EQ(toStrings(req.keys), Strings{"k"});
}

TEST(McRequestLimits, LineWithoutNewlineBeyondTheLimitClosesTheConnection) {
  ParserLimits limits;
  limits.max_inline_len = 16;
  McRequest req;
  EXPECT_TRUE(parseMcRequest("delete abcdefghi", req, limits).incomplete());
  const ParseOutcome r = parseMcRequest("delete abcdefghij", req, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, "CLIENT_ERROR line too long");
  EXPECT_EQ(r.skip, 0u);
}

TEST(McRequestLimits, MultiGetLinesMayBeLongerThanOtherLines) {
  ParserLimits limits;
  limits.max_inline_len = 16;
  limits.max_retrieval_line_len = 64;
  McRequest req;
  std::string line = "get";
  for (int i = 0; i < 10; ++i) line += " key" + std::to_string(i);
  line += "\r\n";
  ASSERT_LT(line.size(), 64u);
  const ParseOutcome r = parseMcRequest(line, req, limits);
  ASSERT_TRUE(r.complete()) << r.error;
  EXPECT_EQ(req.keys.size(), 10u);
  EXPECT_TRUE(parseMcRequest(std::string(80, 'x').insert(0, "get "), req, limits).failed());
}

TEST(McRequestLimits, TooManyKeys) {
  ParserLimits limits;
  limits.max_args = 2;
  McRequest req;
  EXPECT_TRUE(parseMcRequest("get a b\r\n", req, limits).complete());
  const ParseOutcome r = parseMcRequest("get a b c\r\n", req, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, "CLIENT_ERROR too many keys");
  EXPECT_EQ(r.skip, 11u);
}

TEST(McRequestIncomplete, NeededIsTheExactEndOfAPendingDataBlock) {
  const std::string value(1 << 20, 'v');
  const std::string in = "set k 0 0 1048576\r\n" + value + "\r\n";
  McRequest req;
  const ParseOutcome r = parseMcRequest(std::string_view(in).substr(0, 100), req);
  ASSERT_TRUE(r.incomplete());
  EXPECT_EQ(r.needed, in.size());
}

TEST(McRequestIncomplete, LongMultiGetLineFedInChunksResumesAndParses) {
  std::string line = "get";
  for (int i = 0; i < 5000; ++i) line += " key:" + std::to_string(i);
  line += "\r\n";
  McRequest req;
  std::string buf;
  ParseOutcome r;
  for (size_t n = 512;; n += 512) {
    buf.assign(line, 0, std::min(n, line.size()));
    r = parseMcRequest(buf, req);
    if (!r.incomplete()) break;
    EXPECT_EQ(req.resume.pos, buf.size());
  }
  ASSERT_TRUE(r.complete()) << r.error;
  EXPECT_EQ(req.keys.size(), 5000u);
  EXPECT_EQ(req.keys.back(), "key:4999");
}

TEST(McRetrievalEncode, SubRequestsForEachRetrievalCommand) {
  const std::vector<std::string_view> keys = {"a", "b"};
  std::string out;
  EXPECT_TRUE(appendMcRetrieval(out, McCommand::kGet, keys));
  EXPECT_TRUE(appendMcRetrieval(out, McCommand::kGets, keys));
  EXPECT_TRUE(appendMcRetrieval(out, McCommand::kGat, keys, 60));
  EXPECT_TRUE(appendMcRetrieval(out, McCommand::kGats, keys, -1));
  EXPECT_EQ(out, "get a b\r\ngets a b\r\ngat 60 a b\r\ngats -1 a b\r\n");
  const std::string before = out;
  EXPECT_FALSE(appendMcRetrieval(out, McCommand::kSet, keys));
  EXPECT_FALSE(appendMcRetrieval(out, McCommand::kGet, {}));
  EXPECT_EQ(out, before);
}

TEST(McRetrievalEncode, SubRequestRoundTripsThroughTheParser) {
  McRequest req;
  ASSERT_TRUE(parseMcRequest("gat 5 a b c\r\n", req).complete());
  std::string out;
  ASSERT_TRUE(appendMcRetrieval(
      out, req.command, std::span<const std::string_view>(req.keys).subspan(1), req.exptime));
  EXPECT_EQ(out, "gat 5 b c\r\n");
}

TEST(McCommandNames, EveryCommandHasItsProtocolName) {
  EXPECT_EQ(mcCommandName(McCommand::kFlushAll), "flush_all");
  EXPECT_EQ(mcCommandName(McCommand::kGats), "gats");
  EXPECT_TRUE(isMcRetrieval(McCommand::kGat));
  EXPECT_FALSE(isMcRetrieval(McCommand::kSet));
  EXPECT_TRUE(isMcStorage(McCommand::kCas));
  EXPECT_FALSE(isMcStorage(McCommand::kTouch));
}

}  // namespace
}  // namespace attache::ambassador::codec
