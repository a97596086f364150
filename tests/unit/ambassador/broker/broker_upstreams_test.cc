// Candidate choice and health with an injected clock: first up candidate wins, a failed one is
// skipped until its backoff is over, backoff doubles up to the retry timeout, a reload keeps the
// health of candidates that stay.
#include "ambassador-image/proxy/broker/broker_upstreams.h"

#include <gtest/gtest.h>

namespace attache::ambassador::broker {
namespace {

std::vector<config::ServerConfig> servers(std::initializer_list<uint16_t> ports) {
  std::vector<config::ServerConfig> out;
  for (uint16_t p : ports) {
    config::ServerConfig s;
    s.host = "10.0.0.1";
    s.port = p;
    s.name = s.address();
    out.push_back(s);
  }
  return out;
}

constexpr int64_t kMaxBackoff = 2000;

class BrokerUpstreamsTest : public ::testing::Test {
 protected:
  BrokerUpstreams u_{servers({1, 2, 3}), kMaxBackoff};
  Candidate& at(size_t i) { return *u_.candidates()[i]; }
  void fail(size_t i, int64_t now) { u_.recordFailure(at(i), now, FailureKind::kConnect); }
};

TEST_F(BrokerUpstreamsTest, ChoosesTheFirstCandidateWhenAllAreUp) {
  EXPECT_EQ(u_.choose(0, {}), 0);
  EXPECT_EQ(u_.upCount(), 3u);
}

TEST_F(BrokerUpstreamsTest, ANewConnectionSkipsADownCandidate) {
  fail(0, 1000);
  EXPECT_FALSE(at(0).up());
  EXPECT_EQ(u_.choose(1001, {}), 1);
  EXPECT_EQ(u_.choose(50000, {}), 1) << "an up candidate is preferred even after the backoff";
}

TEST_F(BrokerUpstreamsTest, AConnectionMovesDownTheListAfterAFailedCandidate) {
  EXPECT_EQ(u_.choose(0, {true}), 1);
  EXPECT_EQ(u_.choose(0, {true, true}), 2);
  EXPECT_EQ(u_.choose(0, {true, true, true}), -1);
}

TEST_F(BrokerUpstreamsTest, ADownCandidateIsRetriedOnceItsBackoffIsOverWhenNothingIsUp) {
  fail(0, 0);
  fail(1, 0);
  fail(2, 0);
  EXPECT_EQ(u_.upCount(), 0u);
  fail(0, 0);  // second failure: 200 ms
  EXPECT_EQ(u_.choose(100, {}), 1) << "1 is past its 100 ms backoff, 0 is not";
  EXPECT_EQ(u_.choose(200, {}), 0);
}

TEST_F(BrokerUpstreamsTest, EverythingDownAndBackingOffStillTriesInOrder) {
  for (size_t i = 0; i < 3; ++i) fail(i, 0);
  EXPECT_EQ(u_.choose(1, {}), 0);
  EXPECT_EQ(u_.choose(1, {true}), 1);
  EXPECT_EQ(u_.choose(1, {true, true, true}), -1);
}

TEST_F(BrokerUpstreamsTest, BackoffDoublesAndIsCappedByTheRetryTimeout) {
  int64_t now = 0;
  for (int64_t expected : {100, 200, 400, 800, 1600, 2000, 2000}) {
    fail(0, now);
    EXPECT_FALSE(at(0).health.mayConnect(now + expected - 1)) << expected;
    EXPECT_TRUE(at(0).health.mayConnect(now + expected)) << expected;
    now += expected;
  }
}

TEST_F(BrokerUpstreamsTest, OnlyTheFirstFailureReportsTheCandidateGoingDown) {
  EXPECT_TRUE(u_.recordFailure(at(0), 0, FailureKind::kHandshake));
  EXPECT_FALSE(u_.recordFailure(at(0), 100, FailureKind::kConnect));
  EXPECT_EQ(at(0).stats.handshake_failures, 1u);
  EXPECT_EQ(at(0).stats.connect_failures, 1u);
}

TEST_F(BrokerUpstreamsTest, ASuccessBringsACandidateBackUpAndResetsTheBackoff) {
  fail(0, 0);
  fail(0, 100);
  EXPECT_TRUE(u_.recordSuccess(at(0)));
  EXPECT_FALSE(u_.recordSuccess(at(0))) << "already up";
  EXPECT_TRUE(at(0).up());
  EXPECT_EQ(u_.choose(101, {}), 0);
  fail(0, 1000);
  EXPECT_TRUE(at(0).health.mayConnect(1100)) << "backoff starts again from the minimum";
}

TEST_F(BrokerUpstreamsTest, ProbesGoToDownCandidatesPastTheirBackoffAndNotAlreadyProbed) {
  fail(0, 0);
  fail(2, 0);
  EXPECT_TRUE(u_.dueForProbe(50).empty());
  auto due = u_.dueForProbe(100);
  ASSERT_EQ(due.size(), 2u);
  due[0]->probing = true;
  EXPECT_EQ(u_.dueForProbe(100).size(), 1u);
  EXPECT_EQ(u_.dueForProbe(100)[0]->server.port, 3);
}

TEST_F(BrokerUpstreamsTest, AReloadKeepsTheHealthAndCountersOfCandidatesThatStay) {
  fail(1, 0);
  ++at(1).stats.selected;
  auto kept = u_.candidates()[1];
  u_.update(servers({2, 4}), kMaxBackoff);
  ASSERT_EQ(u_.candidates().size(), 2u);
  EXPECT_EQ(u_.candidates()[0], kept) << "same object: open sessions keep counting into it";
  EXPECT_FALSE(u_.candidates()[0]->up());
  EXPECT_EQ(u_.candidates()[0]->stats.selected, 1u);
  EXPECT_TRUE(u_.candidates()[1]->up());
  EXPECT_EQ(u_.choose(1, {}), 1);
}

}  // namespace
}  // namespace attache::ambassador::broker
