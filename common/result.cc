#include "common/result.h"

namespace attache {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kGone:
      return "Gone";
    case ErrorCode::kForbidden:
      return "Forbidden";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

std::string Error::toString() const {
  std::string out(errorCodeName(code));
  out += ": ";
  out += message;
  return out;
}

}  // namespace attache
