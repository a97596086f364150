// libFuzzer target: parseMcReply on arbitrary bytes (see fuzz_check.h); the first input byte
// picks the command the reply answers.
#include "ambassador-image/proxy/codec/memcache.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = attache::ambassador::codec;
namespace fuzz = attache::ambassador::codec::fuzz;

namespace {

bool sameReply(const codec::McReply& a, const codec::McReply& b) {
  return a.kind == b.kind && a.raw == b.raw && a.values == b.values &&
         a.value_count == b.value_count && a.number == b.number && a.text == b.text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto command = static_cast<codec::McCommand>(data[0] % 19);
  ++data;
  --size;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const codec::ParserLimits limits = fuzz::limitsFor(input);
  auto parse = [&](std::string_view in, codec::McReply& out) {
    const codec::ParseOutcome r = codec::parseMcReply(in, command, out, limits);
    if (r.complete()) {
      fuzz::check(out.raw.data() == in.data() && out.raw.size() == r.consumed, "raw mismatch");
      if (out.kind == codec::McReply::Kind::kValues) {
        fuzz::check(out.values.size() + 5 == out.raw.size(), "values are not raw minus END");
      }
    }
    return r;
  };
  fuzz::checkStream<codec::McReply>(data, size, parse, sameReply);
  return 0;
}
