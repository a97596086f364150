// Micro benchmark of the wire codecs: ns per request (or reply) for parsing 100k pipelined
// frames, a GET/SET mix, from one buffer with reused output structures (the proxy's hot path).
// Build: the codec_bench target; run: bin/codec_bench [requests]. Not a test.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ambassador-image/proxy/codec/memcache.h"
#include "ambassador-image/proxy/codec/resp.h"

namespace codec = attache::ambassador::codec;

namespace {

constexpr int kRounds = 20;

std::string key(size_t i) { return "user:session:" + std::to_string(i * 7919 % 1000003); }

std::string respRequests(size_t n) {
  std::string out;
  const std::string value(32, 'v');
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      codec::appendCommand(out, {"GET", key(i)});
    } else {
      codec::appendCommand(out, {"SET", key(i), value});
    }
  }
  return out;
}

std::string respReplies(size_t n) {
  std::string out;
  const std::string value(32, 'v');
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      codec::appendBulk(out, value);
    } else {
      codec::appendSimple(out, "OK");
    }
  }
  return out;
}

std::string mcRequests(size_t n) {
  std::string out;
  const std::string value(32, 'v');
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      out += "get " + key(i) + "\r\n";
    } else {
      out += "set " + key(i) + " 0 0 32\r\n" + value + "\r\n";
    }
  }
  return out;
}

// Runs `parse_one` over the buffer kRounds times; returns the best ns per frame, or -1 when a
// frame does not parse.
template <typename ParseOne>
double measure(std::string_view buf, size_t frames, ParseOne parse_one) {
  double best = 1e30;
  for (int round = 0; round < kRounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    size_t pos = 0;
    size_t parsed = 0;
    while (pos < buf.size()) {
      const codec::ParseOutcome r = parse_one(buf.substr(pos), parsed);
      if (!r.complete()) {
        std::fprintf(stderr, "unexpected parse status at %zu: %.*s\n", pos,
                     static_cast<int>(r.error.size()), r.error.data());
        return -1;
      }
      pos += r.consumed;
      ++parsed;
    }
    const auto ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
    if (parsed != frames) return -1;
    best = std::min(best, ns.count() / static_cast<double>(frames));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  size_t sink = 0;

  const std::string resp_req = respRequests(n);
  codec::RespRequest req;
  const double resp_req_ns = measure(resp_req, n, [&](std::string_view in, size_t) {
    auto r = codec::parseRespRequest(in, req);
    sink += req.args.size();
    return r;
  });

  const std::string resp_rep = respReplies(n);
  codec::RespReply rep;
  const double resp_rep_ns = measure(resp_rep, n, [&](std::string_view in, size_t) {
    auto r = codec::parseRespReply(in, rep);
    sink += rep.payload.size();
    return r;
  });

  const std::string mc_req = mcRequests(n);
  codec::McRequest mreq;
  const double mc_req_ns = measure(mc_req, n, [&](std::string_view in, size_t) {
    auto r = codec::parseMcRequest(in, mreq);
    sink += mreq.keys.size();
    return r;
  });

  std::string encoded;
  encoded.reserve(resp_req.size());
  double enc_best = 1e30;
  const std::string value(32, 'v');
  const std::string k = key(1);
  for (int round = 0; round < kRounds; ++round) {
    encoded.clear();
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) codec::appendCommand(encoded, {"SET", k, value});
    const auto ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
    enc_best = std::min(enc_best, ns.count() / static_cast<double>(n));
  }
  sink += encoded.size();

  if (resp_req_ns < 0 || resp_rep_ns < 0 || mc_req_ns < 0) return 1;
  std::printf("codec_bench: %zu pipelined frames, best of %d rounds\n", n, kRounds);
  std::printf("  parseRespRequest GET/SET mix  %6.1f ns/request  (%.0f MB/s)\n", resp_req_ns,
              static_cast<double>(resp_req.size()) / n / resp_req_ns * 1e3);
  std::printf("  parseRespReply   bulk/+OK mix %6.1f ns/reply\n", resp_rep_ns);
  std::printf("  parseMcRequest   get/set mix  %6.1f ns/request  (%.0f MB/s)\n", mc_req_ns,
              static_cast<double>(mc_req.size()) / n / mc_req_ns * 1e3);
  std::printf("  appendCommand    SET k v      %6.1f ns/command\n", enc_best);
  return sink == 0 ? 1 : 0;
}
