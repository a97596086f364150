// ServiceBinding against the real kube-apiserver: selection follows candidates appearing and
// disappearing.
#include <gtest/gtest.h>

#include "ambassador-image/proxy/config/listener_file.h"
#include "common/kube/resource.h"
#include "tests/integration/operator/operator_fixture.h"

namespace attache::controller::testing {
namespace {

class ServiceBindingTest : public OperatorTest {};

std::string selected(const json& obj) {
  if (!obj.is_object()) return "";
  return obj.value("status", json::object()).value("selected", json::object()).value("source", "");
}

TEST_F(ServiceBindingTest, SelectsTheFirstAvailableCandidateAndReselects) {
  create(kube::kServiceBindings,
         {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ServiceBinding"},
          {"metadata", {{"name", "orders-db"}}},
          {"spec",
           {{"listenPort", 5432},
            {"candidates",
             {{{"service", {{"name", "postgres"}, {"port", 5432}}}},
              {{"secretRef", {{"name", "orders-db-saas"}}}},
              {{"external", {{"host", "orders.db.example.com"}, {"port", 5432}}}}}},
            {"tls", {{"mode", "originate"}}}}}});
  startOperator({"--leader-elect=false"});
  auto binding = [&] { return get(kube::kServiceBindings, "orders-db"); };
  ASSERT_TRUE(eventually([&] { return selected(binding()) == "external/orders.db.example.com"; }));
  EXPECT_EQ(condition(binding(), "Ready")["status"], "True");
  json file = listener("orders-db");
  EXPECT_EQ(file["kind"], "broker");
  EXPECT_EQ(file["upstreams"].size(), 1u);
  EXPECT_EQ(file["tls"]["serverName"], "orders.db.example.com");

  // A servicebinding.io Secret appears: it wins over the external host.
  create(kube::kSecrets,
         {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "orders-db-saas"}}},
          {"stringData", {{"host", "saas.example.com"}, {"port", "6432"}, {"password", "x"}}}});
  ASSERT_TRUE(eventually([&] { return selected(binding()) == "secret/orders-db-saas"; }));
  EXPECT_EQ(binding()["status"]["binding"]["name"], "orders-db-saas");
  EXPECT_EQ(binding()["status"]["selected"]["port"], 6432);

  // The Service appears: it wins; every available candidate stays listed for failover.
  create(kube::kServices, {{"apiVersion", "v1"},
                           {"kind", "Service"},
                           {"metadata", {{"name", "postgres"}}},
                           {"spec", {{"ports", {{{"port", 5432}}}}}}});
  ASSERT_TRUE(eventually([&] { return selected(binding()) == "service/postgres"; }));
  ASSERT_TRUE(eventually([&] { return listener("orders-db")["upstreams"].size() == 3u; }));
  file = listener("orders-db");
  EXPECT_EQ(file["upstreams"][0]["host"], "postgres." + ns_ + ".svc");
  auto pool = ambassador::config::parseListenerFile(file.dump());
  EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message);

  // It disappears again: back to the Secret.
  ASSERT_TRUE(client_->remove(kube::kServices, ns_, "postgres").ok());
  EXPECT_TRUE(eventually([&] { return selected(binding()) == "secret/orders-db-saas"; }));
  EXPECT_TRUE(eventually([&] { return listener("orders-db")["upstreams"].size() == 2u; }));
}

}  // namespace
}  // namespace attache::controller::testing
