// readSome / writeSome on a real socket pair. The event loop's epoll is edge-triggered: after
// kDone the socket must be empty, and a read stopped by its budget must say kBudget so that
// the caller reads again without waiting for a report that will not come.
#include "ambassador-image/proxy/net/socket_io.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace attache::ambassador::net {
namespace {

class SocketIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    int big = 1 << 20;
    for (int fd : fds_) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
  }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  bool readable() const {
    pollfd p{fds_[0], POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
  void peerWrite(const std::string& data) {
    std::string out = data;
    size_t off = 0;
    ASSERT_EQ(writeSome(fds_[1], out, off), IoStatus::kDone);
    EXPECT_TRUE(out.empty());
  }
  int fds_[2] = {-1, -1};
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
  return s;
}

TEST_F(SocketIoTest, ReadsWhatIsThereAndSaysDoneOnlyWhenTheSocketIsEmpty) {
  peerWrite("+PONG\r\n");
  ByteBuffer in(1024);
  EXPECT_EQ(readSome(fds_[0], in, 1024, 1 << 20), IoStatus::kDone);
  EXPECT_EQ(in.readable(), "+PONG\r\n");
  EXPECT_FALSE(readable());
  EXPECT_EQ(readSome(fds_[0], in, 1024, 1 << 20), IoStatus::kDone) << "EAGAIN is not an EOF";
}

TEST_F(SocketIoTest, AReadStoppedByItsBudgetSaysSoAndTheRestFollows) {
  const std::string data = pattern(200 * 1024);
  peerWrite(data);
  ByteBuffer in(16 * 1024);
  std::string got;
  int budget_stops = 0;
  IoStatus st = IoStatus::kBudget;
  while (st == IoStatus::kBudget) {
    st = readSome(fds_[0], in, 16 * 1024, 64 * 1024);
    budget_stops += st == IoStatus::kBudget;
    got.append(in.readable());
    in.consume(in.size());
  }
  EXPECT_EQ(st, IoStatus::kDone);
  EXPECT_GE(budget_stops, 3);
  EXPECT_FALSE(readable()) << "kDone left bytes in the socket";
  EXPECT_TRUE(got == data);
}

TEST_F(SocketIoTest, ReportsTheEndOfTheStreamAndAnError) {
  peerWrite("last");
  ::shutdown(fds_[1], SHUT_WR);
  ByteBuffer in(1024);
  IoStatus st = readSome(fds_[0], in, 1024, 1 << 20);
  if (st == IoStatus::kDone) st = readSome(fds_[0], in, 1024, 1 << 20);  // a short read first
  EXPECT_EQ(st, IoStatus::kClosed);
  EXPECT_EQ(in.readable(), "last");
  std::string out = "x";
  size_t off = 0;
  ::close(fds_[1]);
  fds_[1] = -1;
  EXPECT_EQ(writeSome(fds_[0], out, off), IoStatus::kError) << "the peer is gone";
}

}  // namespace
}  // namespace attache::ambassador::net
