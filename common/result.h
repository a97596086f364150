// Errors are values: Result<T> holds either a T or an Error whose code follows
// Kubernetes/HTTP meaning.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace attache {

enum class ErrorCode {
  kInvalidArgument,  // 400 / 422: the input is wrong
  kNotFound,         // 404
  kConflict,         // 409
  kGone,             // 410: resourceVersion too old, relist
  kForbidden,        // 401 / 403
  kUnavailable,      // 5xx, connection refused, timeouts: retry
  kAlreadyExists,    // 409 on create
  kInternal,         // a bug or an unexpected library failure
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // "InvalidArgument: message"
  std::string toString() const;
};

inline Error invalidArgument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error notFound(std::string message) {
  return Error{ErrorCode::kNotFound, std::move(message)};
}
inline Error unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message)};
}
inline Error internalError(std::string message) {
  return Error{ErrorCode::kInternal, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error)
      : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace attache
