#include "common/cli.h"

#include <gtest/gtest.h>

namespace attache {
namespace {

CommandLine makeCli() {
  CommandLine cli("tool", "A tool.");
  cli.add({"conf-file", 'c', "FILE", "config", ""})
      .add({"test-conf", 't', "", "check only", ""})
      .add({"log-level", 0, "LEVEL", "level", "info"});
  return cli;
}

TEST(CommandLineTest, ParsesLongShortInlineAndPositionalForms) {
  auto r = makeCli().parse({"-c", "a.yml", "--log-level=debug", "-t", "inject", "--", "-x"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->get("conf-file"), "a.yml");
  EXPECT_EQ(r->get("log-level"), "debug");
  EXPECT_TRUE(r->has("test-conf"));
  EXPECT_EQ(r->positional(), (std::vector<std::string>{"inject", "-x"}));
}

TEST(CommandLineTest, ShortOptionWithAttachedValue) {
  auto r = makeCli().parse({"-cconf.yml"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get("conf-file"), "conf.yml");
}

TEST(CommandLineTest, DefaultsApplyWhenAnOptionIsAbsent) {
  auto r = makeCli().parse({});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has("log-level"));
  EXPECT_EQ(r->get("log-level"), "info");
  EXPECT_EQ(r->get("conf-file"), "");
}

TEST(CommandLineTest, UnknownOptionIsAnErrorNamingIt) {
  auto r = makeCli().parse({"--nope"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("--nope"), std::string::npos);
}

TEST(CommandLineTest, MissingValueIsAnErrorNamingTheOption) {
  auto r = makeCli().parse({"--conf-file"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("conf-file"), std::string::npos);
}

TEST(CommandLineTest, FlagGivenAValueIsAnError) {
  EXPECT_FALSE(makeCli().parse({"--test-conf=yes"}).ok());
}

TEST(CommandLineTest, UsageListsEveryOptionWithItsDefault) {
  auto usage = makeCli().usage();
  for (const char* s : {"--help", "--version", "-c, --conf-file <FILE>", "(default: info)"}) {
    EXPECT_NE(usage.find(s), std::string::npos) << s << " missing from\n" << usage;
  }
}

TEST(ResultTest, CarriesAValueOrAnError) {
  Result<int> good = 7;
  Result<int> bad = notFound("no such shard");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().toString(), "NotFound: no such shard");
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status broken = unavailable("down");
  EXPECT_EQ(broken.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace attache
