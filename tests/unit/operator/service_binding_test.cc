#include "operator/controllers/service_binding.h"

#include <gtest/gtest.h>

#include "ambassador-image/proxy/config/listener_file.h"
#include "operator/controllers/owned_config.h"

namespace attache::controller {
namespace {

using nlohmann::json;

json binding(json spec) {
  return {{"metadata", {{"name", "orders-db"}, {"namespace", "shop"}, {"generation", 2}}},
          {"spec", spec}};
}

json candidates() {
  return {{"listenPort", 5432},
          {"candidates",
           {{{"service", {{"name", "postgres"}, {"port", 5432}}}},
            {{"secretRef", {{"name", "saas"}}}},
            {{"provisionedService",
              {{"apiVersion", "db.example.com/v1"}, {"kind", "Database"}, {"name", "orders"}}}},
            {{"external", {{"host", "orders.db.example.com"}, {"port", 5432}}}}}}};
}

json secret(const std::string& host_b64, const std::string& port_b64) {
  return {{"metadata", {{"name", "saas"}}}, {"data", {{"host", host_b64}, {"port", port_b64}}}};
}

TEST(ParseBindingSpec, ReadsEveryCandidateKind) {
  auto spec = parseBindingSpec(binding(candidates()));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ASSERT_EQ(spec->candidates.size(), 4u);
  EXPECT_EQ(spec->candidates[0].kind, CandidateKind::kService);
  EXPECT_EQ(spec->candidates[0].ns, "shop");
  EXPECT_EQ(spec->candidates[2].resource_kind, "Database");
  EXPECT_EQ(spec->candidates[3].host, "orders.db.example.com");
}

TEST(ParseBindingSpec, RejectsInvalidSpecsNamingTheField) {
  struct Case {
    const char* name;
    json patch;
    const char* field;
  } cases[] = {
      {"no candidates", json{{"candidates", json::array()}}, "spec.candidates"},
      {"two kinds in one candidate",
       json{{"candidates",
             {{{"external", {{"host", "h"}, {"port", 1}}}, {"secretRef", {{"name", "s"}}}}}}},
       "spec.candidates[0]"},
      {"bad tls mode", json{{"tls", {{"mode", "terminate"}}}}, "spec.tls.mode"},
      {"serverName without originate", json{{"tls", {{"serverName", "x"}}}}, "spec.tls"},
      {"missing port", json{{"listenPort", nullptr}}, "spec.listenPort"},
  };
  for (const auto& c : cases) {
    json spec = candidates();
    spec.merge_patch(c.patch);
    auto parsed = parseBindingSpec(binding(spec));
    ASSERT_FALSE(parsed.ok()) << c.name;
    EXPECT_EQ(parsed.error().message.rfind(c.field, 0), 0u)
        << c.name << ": " << parsed.error().message;
  }
}

TEST(EvaluateCandidates, Table) {
  auto spec = *parseBindingSpec(binding(candidates()));
  json service = {{"metadata", {{"name", "postgres"}}}, {"spec", {{"ports", {{{"port", 5432}}}}}}};
  json wrong_port = {{"spec", {{"ports", {{{"port", 80}}}}}}};
  json good = secret("ZGIuZXhhbXBsZS5jb20=", "NjQzMg==");  // db.example.com, 6432
  json bad = secret("ZGIuZXhhbXBsZS5jb20=", "eHl6");       // port "xyz"
  json provisioned = {{"status", {{"binding", {{"name", "saas"}}}}}};
  json pending = {{"status", json::object()}};
  struct Case {
    const char* name;
    CandidateState got;
    bool available;
    const char* host;
  } cases[] = {
      {"service present", evaluateService(spec.candidates[0], &service), true, "postgres.shop.svc"},
      {"service missing", evaluateService(spec.candidates[0], nullptr), false, ""},
      {"service without the port", evaluateService(spec.candidates[0], &wrong_port), false, ""},
      {"secret with host and port", evaluateSecret(spec.candidates[1], &good), true,
       "db.example.com"},
      {"secret with a bad port", evaluateSecret(spec.candidates[1], &bad), false, ""},
      {"secret missing", evaluateSecret(spec.candidates[1], nullptr), false, ""},
      {"provisioned and bound", evaluateProvisioned(spec.candidates[2], &provisioned, &good), true,
       "db.example.com"},
      {"provisioned, not bound yet", evaluateProvisioned(spec.candidates[2], &pending, nullptr),
       false, ""},
      {"external", evaluateExternal(spec.candidates[3]), true, "orders.db.example.com"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.got.available, c.available) << c.name << ": " << c.got.reason;
    EXPECT_EQ(c.got.host, c.host) << c.name;
    if (!c.available) {
      EXPECT_FALSE(c.got.reason.empty()) << c.name;
    }
  }
}

TEST(RenderBrokerListener, ListsAvailableCandidatesInOrderAndParses) {
  json spec_json = candidates();
  spec_json["tls"] = {{"mode", "originate"},
                      {"caSecretRef", {{"name", "ca"}}},
                      {"clientCertSecretRef", {{"name", "client"}}}};
  auto spec = *parseBindingSpec(binding(spec_json));
  std::vector<CandidateState> states(4);
  states[1] = {true, "db.example.com", 6432, "secret/saas", "saas", ""};
  states[3] = {true, "orders.db.example.com", 5432, "external/orders.db.example.com", "", ""};
  json listener = renderBrokerListener(spec, states);
  ASSERT_EQ(listener["upstreams"].size(), 2u);
  EXPECT_EQ(listener["upstreams"][0]["host"], "db.example.com");
  EXPECT_EQ(listener["tls"]["serverName"], "db.example.com");
  auto pool = ambassador::config::parseListenerFile(renderListener(listener));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  EXPECT_TRUE(pool->tls.enabled);
  EXPECT_EQ(pool->tls.cert_file, "/etc/attache/secrets/orders-db/tls.crt");
  EXPECT_EQ(pool->servers.size(), 2u);
}

TEST(ComputeBindingStatus, SelectsTheFirstAvailable) {
  auto spec = *parseBindingSpec(binding(candidates()));
  std::vector<CandidateState> states(4);
  states[0].reason = "service shop/postgres not found";
  states[1] = {true, "db.example.com", 6432, "secret/saas", "saas", ""};
  json status = computeBindingStatus(spec, states, "orders-db-attache", json::object(), "now");
  EXPECT_EQ(status["selected"]["candidate"], 1);
  EXPECT_EQ(status["selected"]["source"], "secret/saas");
  EXPECT_EQ(status["binding"]["name"], "saas");
  EXPECT_EQ((*findCondition(status, "Ready"))["status"], "True");
  std::vector<CandidateState> none(4);
  json unavailable = computeBindingStatus(spec, none, "", json::object(), "now");
  EXPECT_EQ((*findCondition(unavailable, "Ready"))["reason"], "NoCandidateAvailable");
  EXPECT_FALSE(unavailable.contains("selected"));
}

}  // namespace
}  // namespace attache::controller
