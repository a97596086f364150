// AdmissionReview v1: decoding (every malformed class is an error value), the response (uid
// echoed, base64 JSONPatch, denials with a reason), and the end-to-end pure review.
#include <gtest/gtest.h>

#include "common/kube/kubeconfig.h"
#include "webhook/admission.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

json review(json object, std::string operation = "CREATE", std::string kind = "Pod") {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
            {"kind", {{"group", ""}, {"version", "v1"}, {"kind", kind}}},
            {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
            {"namespace", "shop"},
            {"operation", operation},
            {"object", object}}}};
}

json optedInPod() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"generateName", "web-"},
            {"annotations",
             {{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", "cache"}}}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}}}};
}

TEST(DecodeAdmissionReviewTest, DecodesARequest) {
  auto r = decodeAdmissionReview(review(optedInPod()).dump());
  ASSERT_TRUE(r.ok()) << r.error().toString();
  EXPECT_EQ(r->uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r->operation, "CREATE");
  EXPECT_EQ(r->kind, "Pod");
  EXPECT_EQ(r->ns, "shop");
  EXPECT_TRUE(isPodCreate(*r));
  EXPECT_EQ(r->object["metadata"]["generateName"], "web-");
}

TEST(DecodeAdmissionReviewTest, EveryMalformedClassIsInvalidArgument) {
  json no_uid = review(optedInPod());
  no_uid["request"].erase("uid");
  json long_uid = review(optedInPod());
  long_uid["request"]["uid"] = std::string(200, 'u');
  json no_kind = review(optedInPod());
  no_kind["request"].erase("kind");
  json no_op = review(optedInPod());
  no_op["request"]["operation"] = 3;
  json v1beta1 = review(optedInPod());
  v1beta1["apiVersion"] = "admission.k8s.io/v1beta1";
  json no_request = review(optedInPod());
  no_request.erase("request");
  std::string deep = std::string(500, '[') + std::string(500, ']');
  for (const std::string& body :
       {std::string(), std::string("not json"), std::string("[1,2]"), std::string("{\"kind\":1}"),
        std::string("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\""),
        no_uid.dump(), long_uid.dump(), no_kind.dump(), no_op.dump(), v1beta1.dump(),
        no_request.dump(), deep, "{\"a\":" + deep + "}"}) {
    auto r = decodeAdmissionReview(body);
    ASSERT_FALSE(r.ok()) << body.substr(0, 80);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(JsonNestingDepthTest, IgnoresBracketsInsideStrings) {
  EXPECT_EQ(jsonNestingDepth("{\"a\":[1,{\"b\":2}]}"), 3u);
  EXPECT_EQ(jsonNestingDepth("{\"a\":\"[[[[\\\"{{{{\"}"), 1u);
  EXPECT_EQ(jsonNestingDepth("42"), 0u);
}

struct Reviewed {
  json response;
  json patch;
};

Reviewed reviewAndEncode(const json& body, ReferenceLookup& lookup) {
  auto request = decodeAdmissionReview(body.dump());
  EXPECT_TRUE(request.ok());
  Mutation m = reviewAdmission(*request, InjectorConfig::defaults(), lookup);
  json out = json::parse(encodeAdmissionResponse(request->uid, m));
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  Reviewed r{out["response"], json::array()};
  if (r.response.contains("patch")) {
    auto decoded = kube::base64Decode(r.response["patch"].get<std::string>());
    EXPECT_TRUE(decoded.has_value());
    r.patch = json::parse(*decoded);
  }
  return r;
}

TEST(ReviewAdmissionTest, AnOptedInPodGetsABase64JsonPatchAndTheUidBack) {
  StaticLookup lookup;
  Reviewed r = reviewAndEncode(review(optedInPod()), lookup);
  EXPECT_EQ(r.response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r.response["allowed"], true);
  EXPECT_EQ(r.response["patchType"], "JSONPatch");
  json patched = optedInPod().patch(r.patch);
  EXPECT_EQ(patched["spec"]["initContainers"][0]["name"], "attache-ambassador");
  EXPECT_EQ(patched["metadata"]["annotations"]["attache.dev/injected"],
            InjectorConfig::defaults().injector_version);
  ASSERT_TRUE(r.response.contains("warnings"));  // "cache" does not exist yet
}

TEST(ReviewAdmissionTest, OtherRequestsAreAllowedUnchanged) {
  StaticLookup lookup;
  for (const json& body : {review(optedInPod(), "UPDATE"),
                           review(optedInPod(), "CREATE", "Service"), review(json(nullptr))}) {
    Reviewed r = reviewAndEncode(body, lookup);
    EXPECT_EQ(r.response["allowed"], true);
    EXPECT_FALSE(r.response.contains("patch"));
  }
}

TEST(ReviewAdmissionTest, AnImpossibleInjectionIsDeniedWithItsReason) {
  json pod = optedInPod();
  pod["metadata"]["annotations"]["attache.dev/bindings"] = "orders-db";
  StaticLookup lookup;
  Reviewed r = reviewAndEncode(review(pod), lookup);
  EXPECT_EQ(r.response["allowed"], false);
  EXPECT_EQ(r.response["status"]["code"], 404);
  EXPECT_EQ(r.response["status"]["reason"], "NotFound");
  std::string message = r.response["status"]["message"];
  EXPECT_EQ(message.rfind("attache: ServiceBinding \"orders-db\" not found", 0), 0u) << message;
}

TEST(Base64Test, KnownAnswers) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(*kube::base64Decode(base64Encode(bytes)), bytes);
}

}  // namespace
}  // namespace attache::webhook
