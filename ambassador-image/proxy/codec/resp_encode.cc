// RESP2 encoders: append one frame to the caller's output buffer.
#include "ambassador-image/proxy/codec/resp.h"
#include "ambassador-image/proxy/codec/scan.h"

namespace attache::ambassador::codec {
namespace {

void appendLength(std::string& out, char type, size_t n) {
  out.push_back(type);
  detail::appendDecimal(out, static_cast<uint64_t>(n));
  out.append("\r\n", 2);
}

// Appends `text` with CR and LF replaced by spaces, so it stays one protocol line.
void appendLineText(std::string& out, std::string_view text) {
  const size_t from = out.size();
  out.append(text);
  for (size_t i = from; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
}

}  // namespace

void appendArrayHeader(std::string& out, size_t n) { appendLength(out, '*', n); }

void appendBulk(std::string& out, std::string_view s) {
  appendLength(out, '$', s.size());
  out.append(s);
  out.append("\r\n", 2);
}

void appendNilBulk(std::string& out) { out.append("$-1\r\n", 5); }

void appendNilArray(std::string& out) { out.append("*-1\r\n", 5); }

void appendInteger(std::string& out, int64_t v) {
  out.push_back(':');
  detail::appendDecimal(out, v);
  out.append("\r\n", 2);
}

void appendSimple(std::string& out, std::string_view s) {
  out.push_back('+');
  appendLineText(out, s);
  out.append("\r\n", 2);
}

void appendError(std::string& out, std::string_view msg) {
  out.push_back('-');
  appendLineText(out, msg);
  out.append("\r\n", 2);
}

void appendProtocolError(std::string& out, std::string_view error) {
  out.append("-ERR ", 5);
  appendLineText(out, error);
  out.append("\r\n", 2);
}

void appendCommand(std::string& out, std::initializer_list<std::string_view> args) {
  appendCommand(out, std::span<const std::string_view>(args.begin(), args.size()));
}

void appendCommand(std::string& out, std::span<const std::string_view> args) {
  appendArrayHeader(out, args.size());
  for (const std::string_view arg : args) appendBulk(out, arg);
}

}  // namespace attache::ambassador::codec
