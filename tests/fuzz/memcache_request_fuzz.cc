// libFuzzer target: parseMcRequest on arbitrary bytes (see fuzz_check.h), plus the round trip
// of every retrieval through appendMcRetrieval.
#include <string>

#include "ambassador-image/proxy/codec/memcache.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = attache::ambassador::codec;
namespace fuzz = attache::ambassador::codec::fuzz;

namespace {

bool sameRequest(const codec::McRequest& a, const codec::McRequest& b) {
  return a.command == b.command && a.keys == b.keys && a.flags == b.flags &&
         a.exptime == b.exptime && a.bytes == b.bytes && a.cas == b.cas && a.delta == b.delta &&
         a.data == b.data && a.args == b.args && a.noreply == b.noreply;
}

void checkRoundTrip(const codec::McRequest& req, const codec::ParserLimits& limits) {
  if (!codec::isMcRetrieval(req.command)) return;
  std::string encoded;
  fuzz::check(codec::appendMcRetrieval(encoded, req.command, req.keys, req.exptime),
              "retrieval not encoded");
  codec::McRequest again;
  codec::ParserLimits wide = limits;
  wide.max_inline_len = wide.max_retrieval_line_len = encoded.size();
  const codec::ParseOutcome r = codec::parseMcRequest(encoded, again, wide);
  fuzz::check(r.complete() && r.consumed == encoded.size(), "re-encoded retrieval did not parse");
  fuzz::check(
      again.command == req.command && again.keys == req.keys && again.exptime == req.exptime,
      "re-encoded retrieval differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const codec::ParserLimits limits = fuzz::limitsFor(input);
  auto parse = [&](std::string_view in, codec::McRequest& out) {
    const codec::ParseOutcome r = codec::parseMcRequest(in, out, limits);
    if (r.complete()) {
      for (std::string_view key : out.keys) {
        fuzz::check(!key.empty() && key.size() <= codec::kMcMaxKeyLength, "bad key length");
      }
      fuzz::check(out.data.size() == (codec::isMcStorage(out.command) ? out.bytes : 0),
                  "data length");
    }
    return r;
  };
  fuzz::checkStream<codec::McRequest>(data, size, parse, sameRequest);

  codec::McRequest req;
  if (codec::parseMcRequest(input, req, limits).complete()) checkRoundTrip(req, limits);
  return 0;
}
