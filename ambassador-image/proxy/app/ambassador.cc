#include "ambassador-image/proxy/app/ambassador.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "ambassador-image/proxy/admin/admin_server.h"
#include "ambassador-image/proxy/app/config_source.h"
#include "ambassador-image/proxy/app/metrics.h"
#include "ambassador-image/proxy/config/listener_file.h"
#include "ambassador-image/proxy/net/proxy.h"
#include "common/logging.h"

namespace attache::ambassador::app {
namespace {

namespace asio = boost::asio;

constexpr auto kReloadDebounce = std::chrono::milliseconds(100);
// SIGTERM: stop accepting, give open broker connections this long to finish, then exit.
constexpr auto kDrainTimeout = std::chrono::seconds(10);
constexpr auto kDrainPoll = std::chrono::milliseconds(50);

class Ambassador {
 public:
  Ambassador(asio::io_context& io, ConfigSource source)
      : io_(io),
        loop_(io),
        proxy_(loop_),
        source_(std::move(source)),
        signals_(io),
        debounce_(io),
        inotify_(io),
        drain_timer_(io) {}

  int start(const std::string& admin_address, const std::string& status_address) {
    auto report = source_.load();
    for (const auto& e : report.errors) loop_.log->error("invalid configuration: {}", e);
    if (!source_.isDirectory() && !report.errors.empty()) return 1;
    if (auto st = proxy_.apply(report.pools); !st.ok()) {
      loop_.log->error("{}", st.error().message);
      return 1;
    }
    recordReload(report, /*initial=*/true);
    if (!admin_address.empty() && !startAdmin(admin_address, /*with_config=*/true, admin_)) {
      return 1;
    }
    if (!status_address.empty() && !startAdmin(status_address, /*with_config=*/false, status_)) {
      return 1;
    }
    if (source_.isDirectory() && !watchDirectory()) return 1;
    handleSignals();
    return 0;
  }

 private:
  bool startAdmin(const std::string& address, bool with_config,
                  std::unique_ptr<admin::AdminServer>& server) {
    admin::AdminHandlers h;
    h.ready = [this](std::string* why) { return proxy_.ready(why); };
    h.metrics = [this] {
      return renderMetrics(proxy_.listeners(), reload_, loop_.requests.inUse());
    };
    if (with_config) {
      h.config = [this] {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& l : proxy_.listeners()) out.push_back(config::poolToJson(*l.config));
        return out.dump(2) + "\n";
      };
    }
    server = std::make_unique<admin::AdminServer>(io_, std::move(h));
    auto port = server->listen(address);
    if (!port.ok()) {
      loop_.log->error("--{}: {}", with_config ? "admin" : "status", port.error().message);
      return false;
    }
    loop_.log->info("{} endpoint listening address={} port={}", with_config ? "admin" : "status",
                    address, *port);
    return true;
  }

  void recordReload(const LoadReport& report, bool initial) {
    reload_.invalid_files = report.errors.size();
    reload_.last_ok = report.errors.empty();
    if (initial) return;
    report.errors.empty() ? ++reload_.successes : ++reload_.failures;
  }

  void reload() {
    if (draining_) return;
    auto report = source_.load();
    for (const auto& e : report.errors) {
      loop_.log->warn("invalid configuration kept the last good version: {}", e);
    }
    if (auto st = proxy_.apply(report.pools); !st.ok()) {
      loop_.log->warn("reload incomplete: {}", st.error().message);
      report.errors.push_back(st.error().message);
    }
    recordReload(report, false);
    loop_.log->info("configuration reloaded listeners={} invalid={}", report.pools.size(),
                    report.errors.size());
  }

  // kubelet updates ConfigMap volumes by swapping a `..data` symlink: watch the directory.
  bool watchDirectory() {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0 || ::inotify_add_watch(fd, source_.path().c_str(),
                                      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM |
                                          IN_CLOSE_WRITE | IN_ATTRIB) < 0) {
      loop_.log->error("cannot watch {}: {}", source_.path(),
                       std::error_code(errno, std::system_category()).message());
      if (fd >= 0) ::close(fd);
      return false;
    }
    inotify_.assign(fd);
    waitForChange();
    return true;
  }

  void waitForChange() {
    inotify_.async_wait(asio::posix::stream_descriptor::wait_read, [this](auto ec) {
      if (ec) return;
      char buf[4096];
      while (::read(inotify_.native_handle(), buf, sizeof(buf)) > 0) {
      }
      debounce_.expires_after(kReloadDebounce);
      debounce_.async_wait([this](auto timer_ec) {
        if (!timer_ec) reload();
      });
      waitForChange();
    });
  }

  void handleSignals() {
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    signals_.add(SIGHUP);
    signals_.async_wait([this](auto ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        return handleSignals();
      }
      if (draining_) return stop();  // a second signal: stop now
      loop_.log->info("shutting down signal={} open_connections={}", sig,
                      proxy_.openBrokerConnections());
      draining_ = true;
      proxy_.drain();
      boost::system::error_code ignored;
      inotify_.close(ignored);
      debounce_.cancel();
      drain_deadline_ = std::chrono::steady_clock::now() + kDrainTimeout;
      handleSignals();
      awaitDrain();
    });
  }

  void awaitDrain() {
    const int64_t open = proxy_.openBrokerConnections();
    if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
      if (open > 0) loop_.log->warn("drain timed out, closing open_connections={}", open);
      return stop();
    }
    drain_timer_.expires_after(kDrainPoll);
    drain_timer_.async_wait([this](auto ec) {
      if (!ec) awaitDrain();
    });
  }

  void stop() {
    proxy_.shutdown();
    if (admin_) admin_->stop();
    if (status_) status_->stop();
    boost::system::error_code ignored;
    inotify_.close(ignored);
    debounce_.cancel();
    drain_timer_.cancel();
    signals_.cancel();
    io_.stop();
  }

  asio::io_context& io_;
  net::Loop loop_;
  net::Proxy proxy_;
  ConfigSource source_;
  asio::signal_set signals_;
  asio::steady_timer debounce_;
  asio::posix::stream_descriptor inotify_;
  asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  bool draining_ = false;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<admin::AdminServer> status_;
  ReloadStats reload_;
};

int testConfiguration(ConfigSource source) {
  auto report = source.load();
  for (const auto& e : report.errors) std::cerr << "attache-ambassador: " << e << "\n";
  if (!report.errors.empty()) return 1;
  std::cout << "attache-ambassador: configuration file '" << source.path() << "' syntax is ok ("
            << report.pools.size() << " pools)\n";
  return 0;
}

}  // namespace

int runAmbassador(const Options& options) {
  if (options.conf_file.empty() == options.config_dir.empty()) {
    std::cerr
        << "attache-ambassador: give exactly one of -c <twemproxy.yml> or --config-dir <dir>\n";
    return 2;
  }
  auto source = options.config_dir.empty() ? ConfigSource::yamlFile(options.conf_file)
                                           : ConfigSource::directory(options.config_dir);
  if (options.test_only) return testConfiguration(std::move(source));
  ::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  Ambassador ambassador(io, std::move(source));
  if (int rc = ambassador.start(options.admin, options.status); rc != 0) return rc;
  io.run();
  return 0;
}

}  // namespace attache::ambassador::app
