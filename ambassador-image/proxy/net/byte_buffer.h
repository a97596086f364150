// A growable read buffer with a consumed prefix: bytes arrive at the end, parsed frames leave from
// the front. No allocation in steady state; compacts lazily.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace attache::ambassador::net {

class ByteBuffer {
 public:
  explicit ByteBuffer(size_t initial = 16 * 1024) : data_(new char[initial]), cap_(initial) {}

  std::string_view readable() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  size_t capacity() const { return cap_; }

  // Makes room for at least `n` more bytes at the end (compacting, then growing).
  void reserve(size_t n) {
    if (cap_ - end_ >= n) return;
    if (begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      if (cap_ - end_ >= n) return;
    }
    size_t cap = cap_ * 2;
    while (cap - end_ < n) cap *= 2;
    std::unique_ptr<char[]> grown(new char[cap]);
    std::memcpy(grown.get(), data_.get(), end_);
    data_ = std::move(grown);
    cap_ = cap;
  }
  char* writePtr() { return data_.get() + end_; }
  size_t writable() const { return cap_ - end_; }
  void commit(size_t n) { end_ += n; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Gives back memory after a burst of large frames.
  void shrinkTo(size_t target) {
    if (cap_ <= target || size() > target) return;
    std::unique_ptr<char[]> small(new char[target]);
    std::memcpy(small.get(), data_.get() + begin_, size());
    end_ = size();
    begin_ = 0;
    data_ = std::move(small);
    cap_ = target;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace attache::ambassador::net
