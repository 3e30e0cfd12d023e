#include "pruner/base/id_source.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace prunecheck {

bool IsValidArchiveId(std::string_view s) {
  return s.size() == static_cast<size_t>(kArchiveIdLength) &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return kArchiveIdAlphabet.find(c) != std::string_view::npos; });
}

std::string CsprngIdSource::NewId(int length) {
  std::vector<unsigned char> bytes(static_cast<size_t>(length));
  if (RAND_bytes(bytes.data(), length) != 1) {
    // Without randomness ids could collide across processes; that is not an
    // expected failure but a broken system, so stop rather than risk it.
    std::abort();
  }
  std::string id;
  id.reserve(bytes.size());
  for (unsigned char b : bytes) id.push_back(kArchiveIdAlphabet[b & 63]);  // 64 symbols: unbiased
  return id;
}

std::string SeededIdSource::NewId(int length) {
  std::string id;
  id.reserve(static_cast<size_t>(length));
  for (int i = 0; i < length; ++i) id.push_back(kArchiveIdAlphabet[rng_() & 63]);
  return id;
}

}  // namespace prunecheck
