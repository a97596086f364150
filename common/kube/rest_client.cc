// KubeClient over cpprestsdk's http_client: request building, error mapping, token handling.
#include <cctype>
#include <mutex>
#include <utility>  // before Boost.Asio: its awaitable.hpp forgets it
#include <vector>

#include <pplx/threadpool.h>

#include "common/kube/kube_rest.h"
#include "common/kube/rest_internal.h"
#include "common/logging.h"

namespace attache::kube {
namespace rest {
namespace {

using nlohmann::json;
namespace http = web::http;

constexpr std::chrono::seconds kTokenMaxAge{60};

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

http::http_request buildRequest(const RequestSpec& spec, const std::string& token) {
  http::http_request request(spec.method);
  request.set_request_uri(web::uri(spec.path_query));
  request.headers().add("Accept", "application/json");
  if (!token.empty()) request.headers().add("Authorization", "Bearer " + token);
  if (!spec.content_type.empty()) {
    // Content-Type first: set_body keeps it. A byte vector, not a std::string: cpprest's string
    // overload reinterprets a char stream buffer as an unsigned char one (UBSan flags it).
    request.headers().set_content_type(spec.content_type);
    request.set_body(std::vector<unsigned char>(spec.body.begin(), spec.body.end()));
  }
  return request;
}

Result<http::http_response> sendOnce(Transport& transport, const RequestSpec& spec,
                                     const pplx::cancellation_token& cancel) {
  try {
    auto request = buildRequest(spec, transport.tokens->current());
    return transport.http.request(request, cancel).get();
  } catch (const web::uri_exception& e) {
    return invalidArgument(std::string("invalid request URI: ") + e.what());
  } catch (const pplx::task_canceled&) {
    return unavailable("request cancelled");
  } catch (const std::exception& e) {
    return unavailable(spec.method + " " + spec.path_query + ": " + e.what());
  }
}

}  // namespace

TokenSource::TokenSource(std::string token, std::string token_file)
    : token_(std::move(token)), token_file_(std::move(token_file)) {}

std::string TokenSource::current() {
  std::lock_guard lock(mu_);
  if (!token_file_.empty() && std::chrono::steady_clock::now() - last_read_ >= kTokenMaxAge) {
    auto text = readTextFile(token_file_, "token file");
    if (text.ok()) {
      token_ = trimmed(std::move(*text));
      last_read_ = std::chrono::steady_clock::now();
    } else {
      componentLogger("kube")->warn("cannot re-read the token file, keeping the last token: {}",
                                    text.error().message);
    }
  }
  return token_;
}

bool TokenSource::refresh() {
  {
    std::lock_guard lock(mu_);
    if (token_file_.empty()) return false;
    last_read_ = {};
  }
  current();
  return true;
}

Result<http::http_response> send(Transport& transport, const RequestSpec& spec,
                                 const pplx::cancellation_token& cancel) {
  auto response = sendOnce(transport, spec, cancel);
  if (response.ok() && response->status_code() == http::status_codes::Unauthorized &&
      transport.tokens->refresh()) {
    componentLogger("kube")->info("401 from the API server: re-read the token, retrying once");
    response = sendOnce(transport, spec, cancel);
  }
  return response;
}

Result<std::string> readBody(http::http_response& response) {
  try {
    return response.extract_utf8string(/*ignore_content_type=*/true).get();
  } catch (const std::exception& e) {
    return unavailable(std::string("reading the response body: ") + e.what());
  }
}

}  // namespace rest

namespace {

using nlohmann::json;
namespace http = web::http;

const char* contentTypeFor(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";  // JSON is YAML
  }
  return "application/merge-patch+json";
}

std::string objectName(const json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  return meta->value("name", "");
}

// List items come without apiVersion/kind for built-in types: fill them in from the list.
void fillItemTypes(json& list, std::vector<json>& items) {
  std::string api_version = list.value("apiVersion", "");
  std::string kind = list.value("kind", "");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0)
    kind.resize(kind.size() - 4);
  for (auto& item : items) {
    if (!item.contains("apiVersion") && !api_version.empty()) item["apiVersion"] = api_version;
    if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
  }
}

Status requireNamespace(const ResourceRef& ref, const std::string& ns) {
  if (ref.namespaced && ns.empty()) {
    return invalidArgument(ref.displayName() + " are namespaced: a namespace is required");
  }
  return {};
}

class RestKubeClient : public KubeClient {
 public:
  explicit RestKubeClient(rest::Transport transport) : transport_(std::move(transport)) {}

  Result<json> get(const ResourceRef& ref, const std::string& ns,
                   const std::string& name) override {
    if (auto s = requireNamespace(ref, ns); !s.ok()) return s.error();
    return call({http::methods::GET, resourcePath(ref, ns, name), "", ""});
  }

  Result<json> getPath(const std::string& path) override {
    if (path.empty() || path[0] != '/') return invalidArgument("path must start with '/'");
    return call({http::methods::GET, path, "", ""});
  }

  Result<ListResult> list(const ResourceRef& ref, const std::string& ns,
                          const ListOptions& options) override {
    std::string query =
        buildQuery({{"labelSelector", options.label_selector},
                    {"fieldSelector", options.field_selector},
                    {"resourceVersion", options.resource_version},
                    {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                    {"continue", options.continue_token}});
    auto reply = call({http::methods::GET, resourcePath(ref, ns) + query, "", ""});
    if (!reply.ok()) return reply.error();
    ListResult out;
    auto items = reply->find("items");
    if (items != reply->end() && items->is_array()) {
      out.items.assign(std::make_move_iterator(items->begin()),
                       std::make_move_iterator(items->end()));
    }
    fillItemTypes(*reply, out.items);
    if (auto meta = reply->find("metadata"); meta != reply->end() && meta->is_object()) {
      out.resource_version = meta->value("resourceVersion", "");
      out.continue_token = meta->value("continue", "");
    }
    return out;
  }

  Result<json> create(const ResourceRef& ref, const std::string& ns, const json& obj) override {
    if (auto s = requireNamespace(ref, ns); !s.ok()) return s.error();
    return call({http::methods::POST, resourcePath(ref, ns), obj.dump(), "application/json"});
  }

  Result<json> replace(const ResourceRef& ref, const std::string& ns, const json& obj,
                       bool status) override {
    if (auto s = requireNamespace(ref, ns); !s.ok()) return s.error();
    std::string name = objectName(obj);
    if (name.empty()) return invalidArgument("replace: metadata.name is required");
    return call({http::methods::PUT, resourcePath(ref, ns, name, status ? "status" : ""),
                 obj.dump(), "application/json"});
  }

  Result<json> patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                     const json& patch, const PatchOptions& options) override {
    if (auto s = requireNamespace(ref, ns); !s.ok()) return s.error();
    bool apply = options.type == PatchType::kApply;
    std::string query = buildQuery(
        {{"fieldManager", options.field_manager}, {"force", apply && options.force ? "true" : ""}});
    return call({http::methods::PATCH,
                 resourcePath(ref, ns, name, options.status ? "status" : "") + query, patch.dump(),
                 contentTypeFor(options.type)});
  }

  Status remove(const ResourceRef& ref, const std::string& ns, const std::string& name) override {
    if (auto s = requireNamespace(ref, ns); !s.ok()) return s.error();
    auto reply = call({http::methods::DEL, resourcePath(ref, ns, name), "", ""});
    if (!reply.ok()) return reply.error();
    return {};
  }

  WatchHandlePtr watch(const ResourceRef& ref, const std::string& ns, const WatchOptions& options,
                       WatchEventCallback on_event, WatchDoneCallback on_done) override {
    int timeout = options.timeout_seconds <= 0 ? 25 : options.timeout_seconds;
    if (timeout > kMaxWatchTimeoutSeconds) timeout = kMaxWatchTimeoutSeconds;
    std::string query =
        buildQuery({{"watch", "true"},
                    {"resourceVersion", options.resource_version},
                    {"labelSelector", options.label_selector},
                    {"fieldSelector", options.field_selector},
                    {"timeoutSeconds", std::to_string(timeout)},
                    {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""}});
    return rest::startWatch(transport_, resourcePath(ref, ns) + query, std::move(on_event),
                            std::move(on_done));
  }

 private:
  Result<json> call(const rest::RequestSpec& spec) {
    auto response = rest::send(transport_, spec, pplx::cancellation_token::none());
    if (!response.ok()) return logged(spec, response.error());
    auto body = rest::readBody(*response);
    if (!body.ok()) return logged(spec, body.error());
    int status = response->status_code();
    if (status < 200 || status > 299) return logged(spec, errorFromStatus(status, *body));
    auto parsed = json::parse(*body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return logged(spec, unavailable("the reply is not JSON"));
    return parsed;
  }

  static Error logged(const rest::RequestSpec& spec, Error error) {
    componentLogger("kube")->debug("request failed method={} path={} error={}", spec.method,
                                   spec.path_query, error.toString());
    return error;
  }

  rest::Transport transport_;
};

void initializeThreadPool(size_t threads) {
  static std::once_flag once;
  std::call_once(once, [threads] {
    try {
      crossplat::threadpool::initialize_with_threads(threads);
    } catch (const std::exception&) {
      // Already initialized by an earlier user of cpprestsdk in this process: keep that pool.
    }
  });
}

}  // namespace

Result<KubeClientPtr> makeRestClient(const ClusterConfig& config,
                                     const RestClientOptions& options) {
  if (config.server.empty()) return invalidArgument("server: the API server URL is empty");
  web::uri server;
  try {
    server = web::uri(config.server);
  } catch (const std::exception& e) {
    return invalidArgument("server '" + config.server + "': " + e.what());
  }
  if (server.scheme() != "https" && server.scheme() != "http") {
    return invalidArgument("server '" + config.server + "': the scheme must be https or http");
  }
  auto material = rest::parseTlsMaterial(config);
  if (!material.ok()) return material.error();
  if (!config.token_file.empty()) {
    auto token = readTextFile(config.token_file, "tokenFile");
    if (!token.ok()) return token.error();
  }
  initializeThreadPool(options.io_threads == 0 ? 1 : options.io_threads);
  http::client::http_client_config http_config;
  http_config.set_timeout(std::chrono::seconds(options.request_timeout_seconds));
  http_config.set_validate_certificates(!config.insecure_skip_verify);
  std::shared_ptr<const rest::TlsMaterial> tls = *material;
  http_config.set_ssl_context_callback(
      [tls](boost::asio::ssl::context& context) { rest::installTlsMaterial(*tls, context); });
  try {
    rest::Transport transport{http::client::http_client(server, http_config),
                              std::make_shared<rest::TokenSource>(config.token, config.token_file)};
    return KubeClientPtr(std::make_unique<RestKubeClient>(std::move(transport)));
  } catch (const std::exception& e) {
    return invalidArgument("server '" + config.server + "': " + e.what());
  }
}

}  // namespace attache::kube
