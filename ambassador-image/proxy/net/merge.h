// Reassembles the reply of a request that was split across shards from its parts' replies.
#pragma once

#include "ambassador-image/proxy/net/request.h"

namespace attache::ambassador::net {

// Fills parent.reply (and parent.failed) from parent.children's replies per parent.merge.
void mergeParts(Request& parent);

}  // namespace attache::ambassador::net
