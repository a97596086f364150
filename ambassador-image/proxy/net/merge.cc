#include "ambassador-image/proxy/net/merge.h"

#include "ambassador-image/proxy/codec/resp.h"

namespace attache::ambassador::net {
namespace {

// The first failed part's reply, when one failed.
const Request* firstFailure(const Request& parent) {
  for (const Request* c : parent.children) {
    if (c->failed) return c;
  }
  return nullptr;
}

void mergeArray(Request& parent) {
  std::vector<codec::RespReply> parts(parent.children.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    auto o = codec::parseRespReply(parent.children[i]->reply, parts[i]);
    if (!o.complete() || parts[i].type != '*') {
      parent.reply = "-ERR invalid reply from shard\r\n";
      parent.failed = true;
      return;
    }
  }
  codec::appendArrayHeader(parent.reply, parent.key_map.size());
  for (auto [part, index] : parent.key_map) {
    const auto& elements = parts[part].elements;
    if (index < elements.size()) {
      parent.reply.append(elements[index]);
    } else {
      codec::appendNilBulk(parent.reply);
    }
  }
}

void mergeSum(Request& parent) {
  int64_t sum = 0;
  codec::RespReply reply;
  for (const Request* c : parent.children) {
    auto o = codec::parseRespReply(c->reply, reply);
    if (!o.complete() || reply.type != ':') {
      parent.reply = "-ERR invalid reply from shard\r\n";
      parent.failed = true;
      return;
    }
    sum += reply.integer;
  }
  codec::appendInteger(parent.reply, sum);
}

// memcached get: each part lists the hits among its keys in the order asked; walk the keys of
// the original request and take each part's next block when it is that key's.
void mergeMcValues(Request& parent) {
  std::vector<std::string_view> rest(parent.children.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    codec::McReply reply;
    auto o = codec::parseMcReply(parent.children[i]->reply, parent.mc_command, reply);
    if (!o.complete() || reply.kind != codec::McReply::Kind::kValues) {
      parent.reply = "SERVER_ERROR invalid reply from shard\r\n";
      parent.failed = true;
      return;
    }
    rest[i] = reply.values;
  }
  std::string_view keys = parent.keys;
  for (auto [part, index] : parent.key_map) {
    (void)index;
    auto nl = keys.find('\n');
    std::string_view key = keys.substr(0, nl);
    keys = nl == std::string_view::npos ? std::string_view() : keys.substr(nl + 1);
    std::string_view& blocks = rest[part];
    // "VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n"
    if (blocks.size() < 6 + key.size() || blocks.substr(6, key.size()) != key ||
        blocks[6 + key.size()] != ' ') {
      continue;  // a miss
    }
    auto eol = blocks.find("\r\n");
    std::string_view header = blocks.substr(0, eol);
    auto last_space = header.rfind(' ');
    auto bytes_start = header.rfind(' ', last_space - 1);
    size_t bytes = 0;
    // With a cas unique, <bytes> is the second to last token.
    std::string_view tok = header.substr(last_space + 1);
    std::string_view prev = header.substr(bytes_start + 1, last_space - bytes_start - 1);
    bool has_cas = parent.mc_command == codec::McCommand::kGets ||
                   parent.mc_command == codec::McCommand::kGats;
    for (char ch : has_cas ? prev : tok) bytes = bytes * 10 + static_cast<size_t>(ch - '0');
    size_t block_len = eol + 2 + bytes + 2;
    parent.reply.append(blocks.substr(0, block_len));
    blocks.remove_prefix(std::min(block_len, blocks.size()));
  }
  parent.reply.append("END\r\n");
}

}  // namespace

void mergeParts(Request& parent) {
  parent.reply.clear();
  if (const Request* failed = firstFailure(parent)) {
    parent.reply = failed->reply;
    parent.failed = true;
    return;
  }
  switch (parent.merge) {
    case Merge::kArray:
      mergeArray(parent);
      return;
    case Merge::kSum:
      mergeSum(parent);
      return;
    case Merge::kAllOk:
      parent.reply = "+OK\r\n";
      return;
    case Merge::kMcAllOk:
      parent.reply = "OK\r\n";
      return;
    case Merge::kMcValues:
      mergeMcValues(parent);
      return;
    case Merge::kNone:
      parent.reply = parent.children.empty() ? std::string() : parent.children.front()->reply;
      return;
  }
}

}  // namespace attache::ambassador::net
