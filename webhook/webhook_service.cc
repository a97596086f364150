#include "webhook/webhook_service.h"

#include <chrono>

#include "webhook/admission.h"

namespace attache::webhook {
namespace {

HttpResponse text(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

std::string pathOf(const std::string& target) { return target.substr(0, target.find('?')); }

bool isJsonContentType(const std::string& content_type) {
  return content_type.empty() || content_type.rfind("application/json", 0) == 0;
}

}  // namespace

WebhookService::WebhookService(InjectorConfig cfg, ReferenceLookup& lookup, WebhookMetrics& metrics,
                               ReadinessCheck ready)
    : cfg_(std::move(cfg)), lookup_(lookup), metrics_(metrics), ready_(std::move(ready)) {}

HttpResponse WebhookService::handle(const HttpRequest& request) {
  const std::string path = pathOf(request.target);
  if (path == "/mutate") return mutate(request);
  if (request.method != "GET" && request.method != "HEAD") {
    return text(405, "method not allowed\n");
  }
  if (path == "/healthz") return text(200, "ok\n");
  if (path == "/readyz") {
    std::string why;
    if (ready_ && !ready_(&why)) return text(503, why + "\n");
    return text(200, "ok\n");
  }
  if (path == "/metrics") {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()};
  }
  return text(404, "not found; try /mutate /healthz /readyz /metrics\n");
}

HttpResponse WebhookService::mutate(const HttpRequest& request) {
  if (request.method != "POST") return text(405, "/mutate takes POST\n");
  if (!isJsonContentType(request.content_type)) {
    return text(415, "/mutate takes application/json\n");
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto review = decodeAdmissionReview(request.body);
  if (!review) {
    metrics_.recordMalformed(elapsed());
    return text(400, "malformed AdmissionReview: " + review.error().message + "\n");
  }
  Mutation mutation = reviewAdmission(*review, cfg_, lookup_);
  HttpResponse res{200, "application/json", encodeAdmissionResponse(review->uid, mutation)};
  metrics_.recordReview(mutation, elapsed());
  return res;
}

}  // namespace attache::webhook
