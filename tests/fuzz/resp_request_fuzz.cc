// libFuzzer target: parseRespRequest on arbitrary bytes (see fuzz_check.h), plus the round trip
// of every complete command through appendCommand.
#include <string>

#include "ambassador-image/proxy/codec/resp.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = attache::ambassador::codec;
namespace fuzz = attache::ambassador::codec::fuzz;

namespace {

bool sameRequest(const codec::RespRequest& a, const codec::RespRequest& b) {
  return a.args == b.args && a.inline_form == b.inline_form;
}

void checkRoundTrip(const codec::RespRequest& req) {
  if (req.args.empty()) return;
  std::string encoded;
  codec::appendCommand(encoded, std::span<const std::string_view>(req.args));
  codec::RespRequest again;
  const codec::ParseOutcome r = codec::parseRespRequest(encoded, again);
  fuzz::check(r.complete() && r.consumed == encoded.size(), "re-encoded command did not parse");
  fuzz::check(again.args == req.args && !again.inline_form, "re-encoded command differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const codec::ParserLimits limits = fuzz::limitsFor(input);
  auto parse = [&](std::string_view in, codec::RespRequest& out) {
    const codec::ParseOutcome r = codec::parseRespRequest(in, out, limits);
    if (r.complete()) {
      fuzz::check(out.args.size() <= limits.max_args || out.inline_form, "too many args");
      if (!out.inline_form) {
        for (std::string_view a : out.args) {
          fuzz::check(a.data() >= in.data() && a.data() + a.size() <= in.data() + r.consumed,
                      "argument outside the frame");
        }
      }
    }
    return r;
  };
  fuzz::checkStream<codec::RespRequest>(data, size, parse, sameRequest);

  codec::RespRequest req;
  if (codec::parseRespRequest(input, req, limits).complete()) checkRoundTrip(req);
  return 0;
}
