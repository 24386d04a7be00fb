#include "heap_reserve.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace racker::cli {

void reserve_heap_with_huge_pages(std::size_t bytes) {
  constexpr std::uintptr_t kHugePage = 2u << 20;
  constexpr std::size_t kMaxThreshold = 32u << 20;  // glibc's cap for M_MMAP_THRESHOLD on 64-bit
  if (bytes > kMaxThreshold - kHugePage) bytes = kMaxThreshold - kHugePage;
  // Big blocks from the heap too (no mmap per block, so this one grows the
  // heap), and nothing given back to the kernel while the command runs.
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMaxThreshold)) != 1) return;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(kMaxThreshold * 2));
  void* block = std::malloc(bytes);
  if (!block) return;
  auto start = (reinterpret_cast<std::uintptr_t>(block) + kHugePage - 1) & ~(kHugePage - 1);
  auto end = reinterpret_cast<std::uintptr_t>(block) + bytes;
  // Advice only: without THP the heap is just reserved.
  if (end > start) (void)::madvise(reinterpret_cast<void*>(start), (end - start) & ~(kHugePage - 1), MADV_HUGEPAGE);
  std::free(block);  // back to malloc's top chunk, not to the kernel
}

}  // namespace racker::cli
