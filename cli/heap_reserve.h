#pragma once
// For short CLI commands that build large in-memory models (`compose
// config` on a big project): most of their system time is first-touch page
// faults of a heap growing 4 KiB at a time. Reserving the heap up front and
// asking for transparent huge pages on it turns ~4000 faults into a few
// dozen. Only the virtual reservation is made; untouched memory costs nothing.

#include <cstddef>

namespace racker::cli {

void reserve_heap_with_huge_pages(std::size_t bytes);

}  // namespace racker::cli
