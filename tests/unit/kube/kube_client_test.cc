// The pure parts of the client contract: HTTP status -> ErrorCode, watch line parsing.
#include "common/kube/kube_client.h"

#include <gtest/gtest.h>

namespace attache::kube {
namespace {

std::string statusBody(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                        {"code", code},     {"reason", reason},   {"message", message}}
      .dump();
}

struct StatusCase {
  std::string name;
  int http_status;
  std::string reason;
  ErrorCode expected;
};

class ErrorFromStatusTest : public ::testing::TestWithParam<StatusCase> {};

TEST_P(ErrorFromStatusTest, MapsTheCodeAndKeepsTheServersMessage) {
  const auto& c = GetParam();
  Error e = errorFromStatus(c.http_status, statusBody(c.http_status, c.reason, "the message"));
  EXPECT_EQ(e.code, c.expected) << e.toString();
  EXPECT_EQ(e.message, "the message");
}

INSTANTIATE_TEST_SUITE_P(
    Codes, ErrorFromStatusTest,
    ::testing::Values(StatusCase{"NotFound", 404, "NotFound", ErrorCode::kNotFound},
                      StatusCase{"AlreadyExists", 409, "AlreadyExists", ErrorCode::kAlreadyExists},
                      StatusCase{"Conflict", 409, "Conflict", ErrorCode::kConflict},
                      StatusCase{"Gone", 410, "Expired", ErrorCode::kGone},
                      StatusCase{"Invalid", 422, "Invalid", ErrorCode::kInvalidArgument},
                      StatusCase{"BadRequest", 400, "BadRequest", ErrorCode::kInvalidArgument},
                      StatusCase{"UnsupportedMediaType", 415, "", ErrorCode::kInvalidArgument},
                      StatusCase{"Unauthorized", 401, "Unauthorized", ErrorCode::kForbidden},
                      StatusCase{"Forbidden", 403, "Forbidden", ErrorCode::kForbidden},
                      StatusCase{"TooManyRequests", 429, "TooManyRequests",
                                 ErrorCode::kUnavailable},
                      StatusCase{"InternalError", 500, "InternalError", ErrorCode::kUnavailable},
                      StatusCase{"ServiceUnavailable", 503, "", ErrorCode::kUnavailable}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(ErrorFromStatusTest, ANonStatusBodyIsQuotedAfterTheCode) {
  Error e = errorFromStatus(502, "<html>bad gateway</html>");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_EQ(e.message, "HTTP 502: <html>bad gateway</html>");
  EXPECT_EQ(errorFromStatus(404, "").message, "HTTP 404");
}

TEST(ErrorFromStatusTest, ALongBodyIsTruncated) {
  Error e = errorFromStatus(500, std::string(1000, 'x'));
  EXPECT_LT(e.message.size(), 300u);
}

TEST(ErrorFromStatusObjectTest, UsesTheCodeInsideTheStatus) {
  auto status = nlohmann::json::parse(statusBody(410, "Expired", "too old resource version: 1"));
  Error e = errorFromStatusObject(status);
  EXPECT_EQ(e.code, ErrorCode::kGone);
  EXPECT_EQ(e.message, "too old resource version: 1");
}

TEST(ParseWatchEventTest, ParsesEachEventType) {
  for (const auto& [name, type] : std::vector<std::pair<std::string, WatchEventType>>{
           {"ADDED", WatchEventType::kAdded},
           {"MODIFIED", WatchEventType::kModified},
           {"DELETED", WatchEventType::kDeleted},
           {"BOOKMARK", WatchEventType::kBookmark}}) {
    auto e = parseWatchEvent(R"({"type":")" + name +
                             R"(","object":{"metadata":{"resourceVersion":"7"}}})");
    ASSERT_TRUE(e.ok()) << name << ": " << e.error().toString();
    EXPECT_EQ(e->type, type);
    EXPECT_EQ(watchEventTypeName(e->type), name);
    EXPECT_EQ(e->object["metadata"]["resourceVersion"], "7");
  }
}

TEST(ParseWatchEventTest, AnErrorEventWithCode410IsGone) {
  auto e = parseWatchEvent(R"({"type":"ERROR","object":)" +
                           statusBody(410, "Expired", "too old resource version: 1 (5)") + "}");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kGone);
  EXPECT_EQ(e.error().message, "too old resource version: 1 (5)");
}

TEST(ParseWatchEventTest, MalformedLinesAreUnavailable) {
  for (const char* line :
       {"", "not json", "[1,2]", R"({"type":"ADDED"})", R"({"type":"WHATEVER","object":{}})"}) {
    auto e = parseWatchEvent(line);
    ASSERT_FALSE(e.ok()) << line;
    EXPECT_EQ(e.error().code, ErrorCode::kUnavailable) << line;
  }
}

}  // namespace
}  // namespace attache::kube
