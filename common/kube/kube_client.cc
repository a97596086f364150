#include "common/kube/kube_client.h"

#include <optional>

namespace attache::kube {
namespace {

constexpr int64_t kListAllPageSize = 500;
constexpr size_t kMaxBodyInMessage = 200;

ErrorCode codeForHttpStatus(int http_status, std::string_view reason) {
  switch (http_status) {
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    case 401:
    case 403:
      return ErrorCode::kForbidden;
    case 408:
    case 429:
      return ErrorCode::kUnavailable;
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) return ErrorCode::kUnavailable;
  if (http_status >= 400 && http_status <= 499) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

std::string stringField(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<WatchEventType> eventTypeFromName(const std::string& name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  return std::nullopt;
}

}  // namespace

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "UNKNOWN";
}

Result<ListResult> KubeClient::listAll(const ResourceRef& ref, const std::string& ns,
                                       ListOptions options) {
  if (options.limit <= 0) options.limit = kListAllPageSize;
  ListResult all;
  while (true) {
    auto page = list(ref, ns, options);
    if (!page.ok()) return page.error();
    for (auto& item : page->items) all.items.push_back(std::move(item));
    all.resource_version = page->resource_version;
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
    // The first page pins the snapshot; later pages must not name a resourceVersion.
    options.resource_version.clear();
  }
  return all;
}

Error errorFromStatusObject(const nlohmann::json& status) {
  int code = 0;
  auto it = status.is_object() ? status.find("code") : status.end();
  if (it != status.end() && it->is_number_integer()) code = it->get<int>();
  std::string reason = status.is_object() ? stringField(status, "reason") : "";
  std::string message = status.is_object() ? stringField(status, "message") : "";
  if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(code) : reason;
  if (code == 0 && reason == "Expired") code = 410;
  return Error{codeForHttpStatus(code, reason), message};
}

Error errorFromStatus(int http_status, const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && stringField(parsed, "kind") == "Status") {
    std::string reason = stringField(parsed, "reason");
    std::string message = stringField(parsed, "message");
    if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(http_status) : reason;
    return Error{codeForHttpStatus(http_status, reason), message};
  }
  std::string message = "HTTP " + std::to_string(http_status);
  if (!body.empty()) {
    message += ": " + body.substr(0, kMaxBodyInMessage);
    if (body.size() > kMaxBodyInMessage) message += "...";
  }
  return Error{codeForHttpStatus(http_status, ""), message};
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return unavailable("malformed watch event: not a JSON object");
  std::string type = stringField(parsed, "type");
  auto object = parsed.find("object");
  if (object == parsed.end() || !object->is_object()) {
    return unavailable("malformed watch event: no object (type '" + type + "')");
  }
  if (type == "ERROR") return errorFromStatusObject(*object);
  auto event_type = eventTypeFromName(type);
  if (!event_type) return unavailable("unknown watch event type '" + type + "'");
  return WatchEvent{*event_type, std::move(*object)};
}

}  // namespace attache::kube
