// libFuzzer target: AdmissionReview decoding on arbitrary bytes, and for every review that
// decodes, the whole pure path behind /mutate: decide, resolve, inject, diff, encode. Invariants:
// nothing throws or crashes; the response is JSON echoing the uid; an injected pod's patch turns
// the request's object into exactly the injected pod, and injecting that pod again is a no-op.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "webhook/admission.h"

namespace webhook = attache::webhook;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "admission fuzz invariant violated: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

webhook::StaticLookup& lookup() {
  static webhook::StaticLookup* l = [] {
    auto* out = new webhook::StaticLookup();
    (void)out->add({{"kind", "ShardedService"},
                    {"metadata", {{"name", "cache"}, {"namespace", "shop"}}},
                    {"spec", {{"listenPort", 6380}, {"auth", {{"secretRef", {{"name", "a"}}}}}}}});
    (void)out->add({{"kind", "ServiceBinding"},
                    {"metadata", {{"name", "db"}, {"namespace", "shop"}}},
                    {"spec", {{"listenPort", 5432}, {"project", true}}},
                    {"status", {{"binding", {{"name", "db-binding"}}}}}});
    return out;
  }();
  return *l;
}

void checkInjected(const webhook::AdmissionRequest& req, const webhook::Mutation& m,
                   const webhook::InjectorConfig& cfg) {
  try {
    json patched = req.object.patch(m.patch);
    check(patched == m.pod, "the patch does not produce the injected pod");
  } catch (const std::exception&) {
    fail("the patch does not apply to the request's object");
  }
  webhook::Mutation again =
      webhook::mutatePod(m.pod, webhook::requestNamespace(req), cfg, lookup());
  check(again.outcome == webhook::Outcome::kSkipped &&
            again.reason == webhook::SkipReason::kAlreadyInjected,
        "a second injection is not a no-op");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto req = webhook::decodeAdmissionReview(body);
  if (!req.ok()) {
    check(req.error().code == attache::ErrorCode::kInvalidArgument, "decode error code");
    check(!req.error().message.empty(), "decode error without a message");
    return 0;
  }
  static const webhook::InjectorConfig cfg = webhook::InjectorConfig::defaults();
  webhook::Mutation m = webhook::reviewAdmission(*req, cfg, lookup());
  json response = json::parse(webhook::encodeAdmissionResponse(req->uid, m), nullptr, false);
  check(!response.is_discarded(), "the response is not JSON");
  check(response["response"]["uid"] == req->uid, "the uid is not echoed");
  switch (m.outcome) {
    case webhook::Outcome::kInjected:
      checkInjected(*req, m, cfg);
      break;
    case webhook::Outcome::kDenied:
      check(!m.error.message.empty(), "a denial without a message");
      check(response["response"]["allowed"] == false, "a denial that allows");
      break;
    case webhook::Outcome::kSkipped:
      check(!response["response"].contains("patch"), "a skip with a patch");
      break;
  }
  return 0;
}
