#pragma once
// Private to scf/: large uninitialised double arrays for integrals.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>

namespace cagescreen::scf::detail {

/// Uninitialised storage for integrals kept in memory, on transparent huge pages where the kernel
/// allows: zero-filling gigabytes page by page costs seconds on virtual machines, and the first
/// build writes every value anyway.
class IntegralStore {
 public:
  IntegralStore() = default;
  IntegralStore(const IntegralStore&) = delete;
  IntegralStore& operator=(const IntegralStore&) = delete;
  ~IntegralStore() { std::free(data_); }
  /// Returns false (and holds nothing) when the memory is not available.
  bool allocate(std::size_t n) {
    constexpr std::size_t huge = std::size_t(2) << 20;
    const std::size_t bytes = (n * sizeof(double) + huge - 1) / huge * huge;
    data_ = static_cast<double*>(std::aligned_alloc(huge, bytes));
    if (!data_) return false;
    madvise(data_, bytes, MADV_HUGEPAGE);
    size_ = n;
    return true;
  }
  double* data() { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  double* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace cagescreen::scf::detail
