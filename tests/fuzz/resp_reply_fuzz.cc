// libFuzzer target: parseRespReply on arbitrary bytes (see fuzz_check.h); each top-level
// element of a complete array must itself parse as one complete frame.
#include "ambassador-image/proxy/codec/resp.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = attache::ambassador::codec;
namespace fuzz = attache::ambassador::codec::fuzz;

namespace {

bool sameReply(const codec::RespReply& a, const codec::RespReply& b) {
  return a.type == b.type && a.integer == b.integer && a.payload == b.payload && a.raw == b.raw &&
         a.elements == b.elements;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const codec::ParserLimits limits = fuzz::limitsFor(input);
  auto parse = [&](std::string_view in, codec::RespReply& out) {
    const codec::ParseOutcome r = codec::parseRespReply(in, out, limits);
    if (r.complete()) {
      fuzz::check(out.raw.data() == in.data() && out.raw.size() == r.consumed, "raw mismatch");
      if (out.type == '*' && out.integer > 0) {
        fuzz::check(out.elements.size() == static_cast<size_t>(out.integer), "element count");
      }
    }
    return r;
  };
  fuzz::checkStream<codec::RespReply>(data, size, parse, sameReply);

  codec::RespReply rep;
  if (codec::parseRespReply(input, rep, limits).complete()) {
    for (std::string_view element : rep.elements) {
      codec::RespReply inner;
      const codec::ParseOutcome r = codec::parseRespReply(element, inner, limits);
      fuzz::check(r.complete() && r.consumed == element.size(), "element is not one frame");
    }
  }
  return 0;
}
