#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "ambassador-image/proxy/codec/resp.h"

namespace attache::ambassador::codec {
namespace {

using namespace std::string_literals;

TEST(RespEncode, EachEncoderWritesItsFrame) {
  std::string out;
  appendArrayHeader(out, 2);
  appendBulk(out, "GET");
  appendNilBulk(out);
  appendNilArray(out);
  appendInteger(out, -7);
  appendSimple(out, "OK");
  appendError(out, "ERR unknown command");
  EXPECT_EQ(out, "*2\r\n$3\r\nGET\r\n$-1\r\n*-1\r\n:-7\r\n+OK\r\n-ERR unknown command\r\n");
}

TEST(RespEncode, EncodersAppendWithoutTouchingWhatIsAlreadyThere) {
  std::string out = "prefix";
  appendInteger(out, 1);
  EXPECT_EQ(out, "prefix:1\r\n");
}

TEST(RespEncode, IntegerExtremesRoundTrip) {
  for (const int64_t v :
       {std::numeric_limits<int64_t>::min(), int64_t{0}, std::numeric_limits<int64_t>::max()}) {
    std::string out;
    appendInteger(out, v);
    RespReply rep;
    ASSERT_TRUE(parseRespReply(out, rep).complete()) << out;
    EXPECT_EQ(rep.integer, v);
  }
}

TEST(RespEncode, ErrorAndSimpleStringNeverSpanTwoLines) {
  std::string out;
  appendError(out, "ERR bad\r\nthing\n");
  appendSimple(out, "a\rb");
  EXPECT_EQ(out, "-ERR bad  thing \r\n+a b\r\n");
  RespReply rep;
  const ParseOutcome r = parseRespReply(out, rep);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(rep.payload, "ERR bad  thing ");
}

TEST(RespEncode, ProtocolErrorGetsTheErrPrefix) {
  std::string out;
  appendProtocolError(out, "Protocol error: invalid bulk length");
  EXPECT_EQ(out, "-ERR Protocol error: invalid bulk length\r\n");
}

TEST(RespEncode, CommandFromAnInitializerListRoundTripsThroughTheRequestParser) {
  std::string out;
  appendCommand(out, {"SET", std::string_view("k\r\n\0", 4), ""});
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$4\r\nk\r\n\0\r\n$0\r\n\r\n"s);
  RespRequest req;
  const ParseOutcome r = parseRespRequest(out, req);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(r.consumed, out.size());
  ASSERT_EQ(req.args.size(), 3u);
  EXPECT_EQ(req.args[1], std::string_view("k\r\n\0", 4));
  EXPECT_EQ(req.args[2], "");
}

TEST(RespEncode, InlineRequestReencodesAsAnArray) {
  RespRequest req;
  ASSERT_TRUE(parseRespRequest("set \"a b\" c\r\n", req).complete());
  std::string out;
  appendCommand(out, std::span<const std::string_view>(req.args));
  EXPECT_EQ(out, "*3\r\n$3\r\nset\r\n$3\r\na b\r\n$1\r\nc\r\n");
}

TEST(RespEncode, RepliesRoundTripThroughTheReplyParser) {
  std::string out;
  appendArrayHeader(out, 3);
  appendBulk(out, "x");
  appendNilBulk(out);
  appendArrayHeader(out, 1);
  appendInteger(out, 5);
  RespReply rep;
  const ParseOutcome r = parseRespReply(out, rep);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(r.consumed, out.size());
  ASSERT_EQ(rep.elements.size(), 3u);
  EXPECT_EQ(rep.elements[2], "*1\r\n:5\r\n");
}

}  // namespace
}  // namespace attache::ambassador::codec
